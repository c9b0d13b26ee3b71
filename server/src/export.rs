//! Export of one version of a document for the archive, as DOCX.
//!
//! `GET /api/documents/{id}/export.docx?heads=<hex,hex>&lang=ar|zh|en|fr|ru|es`:
//! the document as it was at those heads (by default the latest approval's,
//! else the current version), hydrated with the shared schema and written
//! section by section in schema order with `docx-rs`. Who may export is who
//! may read (`api::standing`); others get the same 404 as an unknown id.
//!
//! The export is written in the six languages of the interface (Arabic,
//! Chinese, English, French, Russian, Spanish). The server has no
//! translation layer: the few headings it writes are in [`WORDS`], one row
//! per key with its text in each of the six. In Arabic every paragraph is
//! right-to-left (`w:bidi`).
//!
//! Confidential sources: of the exported kinds only the assessment names
//! consultation parties, through its needs' links to the consultations
//! register. A confidential party's identity is in the Parties document; a
//! reader not given it sees "Confidential source" (as `submissions.rs`
//! masks), a reader who may not read the register sees only how many
//! consultations a need cites, and a need's consultation submissions are
//! counted, never named. Requests, programmes and evaluations hold no
//! identities of consulted parties, so nothing in them is masked.

use std::collections::BTreeMap;
use std::io::Cursor;

use accord_shared::docs::items::{members, ordered, IdSet, Items, Positioned};
use accord_shared::docs::vocab::Confidentiality;
use accord_shared::docs::{
    self, Assessment, Consultations, Criterion, Engagement, Evaluation, Indicator, Measure,
    Parties, Programme, Request,
};
use accord_shared::policy::DocKind;
use accord_shared::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use docx_rs::{Docx, Paragraph, Run, Style, StyleType};
use serde::Deserialize;

use crate::api::{bad_request, readable, standing, storage_failed, AppError, CurrentUser};
use crate::approvals::{approvals_of, load, Approval, APPROVABLE};
use crate::audit;
use crate::auth::User;
use crate::engagements::{read_as, rfc3339, today_utc};
use crate::storage::Store;
use crate::web::AppState;

/// The most heads a version is named by (as approvals accept).
const MAX_HEADS: usize = 64;

pub fn router() -> Router<AppState> {
    Router::new().route("/documents/{id}/export.docx", get(export_docx))
}

// ------------------------------------------------------------------ words

/// An interface language the export is written in: the six official
/// languages of the United Nations, as the app speaks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ar,
    Zh,
    En,
    Fr,
    Ru,
    Es,
}

impl Lang {
    /// Every language, in the order of the texts of a [`WORDS`] row.
    pub const ALL: [Lang; 6] = [Lang::Ar, Lang::Zh, Lang::En, Lang::Fr, Lang::Ru, Lang::Es];

    /// The language's code, as the `lang` parameter and the app name it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Zh => "zh",
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ru => "ru",
            Lang::Es => "es",
        }
    }

    /// Whether the language is written right to left.
    pub fn rtl(self) -> bool {
        self == Lang::Ar
    }

    /// The language of a `lang` parameter (English when absent or empty);
    /// a 400 naming the six for any other code.
    fn parse(code: Option<&str>) -> Result<Self, AppError> {
        let code = code.map(str::trim).unwrap_or("");
        if code.is_empty() {
            return Ok(Lang::En);
        }
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| {
                bad_request(format!(
                    "Unknown language {:?}; the export is written in ar (Arabic), zh (Chinese), \
                     en (English), fr (French), ru (Russian) or es (Spanish).",
                    code.chars().take(20).collect::<String>()
                ))
            })
    }
}

/// Every heading and phrase the export writes: key, then its text in each
/// language in [`Lang::ALL`] order (Arabic, Chinese, English, French,
/// Russian, Spanish). The wording follows `app/locales/*.json` where the
/// interface has the same term.
const WORDS: &[(&str, [&str; 6])] = &[
    (
        "request",
        [
            "طلب المساعدة",
            "援助请求",
            "Request for assistance",
            "Demande d’assistance",
            "Запрос о помощи",
            "Solicitud de asistencia",
        ],
    ),
    (
        "assessment",
        [
            "تقييم الاحتياجات",
            "需求评估",
            "Needs assessment",
            "Évaluation des besoins",
            "Оценка потребностей",
            "Evaluación de necesidades",
        ],
    ),
    (
        "programme",
        [
            "برنامج المساعدة",
            "援助方案",
            "Assistance programme",
            "Programme d’assistance",
            "Программа помощи",
            "Programa de asistencia",
        ],
    ),
    (
        "evaluation",
        [
            "التقييم",
            "评价",
            "Evaluation",
            "Évaluation",
            "Оценка",
            "Evaluación",
        ],
    ),
    (
        "approved",
        [
            "النسخة: وافق عليها {by} في {date}",
            "版本：{by}于{date}核准",
            "Version: approved by {by} on {date}",
            "Version : approuvée par {by} le {date}",
            "Версия: утверждена пользователем {by} ({date})",
            "Versión: aprobada por {by} el {date}",
        ],
    ),
    (
        "current",
        [
            "النسخة الحالية (لم تتم الموافقة عليها)",
            "当前版本（未核准）",
            "Current version (not approved)",
            "Version actuelle (non approuvée)",
            "Текущая версия (не утверждена)",
            "Versión actual (no aprobada)",
        ],
    ),
    (
        "earlier",
        [
            "نسخة سابقة (لم تتم الموافقة عليها)",
            "较早版本（未核准）",
            "Earlier version (not approved)",
            "Version antérieure (non approuvée)",
            "Предыдущая версия (не утверждена)",
            "Versión anterior (no aprobada)",
        ],
    ),
    (
        "heads",
        [
            "الرؤوس",
            "版本头",
            "Heads",
            "Têtes",
            "Хеши версии",
            "Cabezas",
        ],
    ),
    (
        "exported",
        [
            "تاريخ التصدير: {date}",
            "导出日期：{date}",
            "Exported on {date}",
            "Exporté le {date}",
            "Дата экспорта: {date}",
            "Exportado el {date}",
        ],
    ),
    (
        "confidential_source",
        [
            "مصدر سري",
            "保密来源",
            "Confidential source",
            "Source confidentielle",
            "Конфиденциальный источник",
            "Fuente confidencial",
        ],
    ),
    (
        "consultations_count",
        [
            "عدد المشاورات المستشهد بها: {n}",
            "引用的磋商：{n}次",
            "{n} consultation(s) cited",
            "{n} consultation(s) citée(s)",
            "Упомянуто консультаций: {n}",
            "{n} consulta(s) citada(s)",
        ],
    ),
    (
        "submissions_count",
        [
            "عدد المساهمات في المشاورات: {n}",
            "磋商意见书：{n}份",
            "{n} consultation submission(s)",
            "{n} contribution(s) à la consultation",
            "Представлений в рамках консультаций: {n}",
            "{n} contribución(es) a la consulta",
        ],
    ),
    ("none", ["—", "—", "—", "—", "—", "—"]),
    (
        "classification",
        [
            "تصنيف السرية",
            "密级",
            "Classification",
            "Classification",
            "Гриф",
            "Clasificación",
        ],
    ),
    (
        "status",
        ["الحالة", "状态", "Status", "Statut", "Статус", "Estado"],
    ),
    (
        "authority",
        [
            "الجهة الطالبة",
            "提出请求的机关",
            "Requesting authority",
            "Autorité requérante",
            "Запрашивающий орган",
            "Autoridad solicitante",
        ],
    ),
    (
        "received",
        [
            "تاريخ الاستلام",
            "收到日期",
            "Date received",
            "Date de réception",
            "Дата получения",
            "Fecha de recepción",
        ],
    ),
    (
        "channel",
        ["القناة", "渠道", "Channel", "Voie", "Канал", "Vía"],
    ),
    (
        "reference",
        [
            "المرجع",
            "编号",
            "Reference",
            "Référence",
            "Номер",
            "Referencia",
        ],
    ),
    (
        "scope",
        ["النطاق", "范围", "Scope", "Portée", "Охват", "Alcance"],
    ),
    (
        "recommendations",
        [
            "التوصيات",
            "建议",
            "Recommendations",
            "Recommandations",
            "Рекомендации",
            "Recomendaciones",
        ],
    ),
    (
        "method",
        ["المنهجية", "方法", "Method", "Méthode", "Метод", "Método"],
    ),
    (
        "mission",
        [
            "تواريخ البعثة",
            "特派团日期",
            "Mission dates",
            "Dates de la mission",
            "Сроки миссии",
            "Fechas de la misión",
        ],
    ),
    (
        "team",
        ["الفريق", "团队", "Team", "Équipe", "Группа", "Equipo"],
    ),
    (
        "national_context",
        [
            "السياق الوطني",
            "国家背景",
            "National context",
            "Contexte national",
            "Национальный контекст",
            "Contexto nacional",
        ],
    ),
    (
        "legal_framework",
        [
            "الإطار القانوني",
            "法律框架",
            "Legal framework",
            "Cadre juridique",
            "Правовая база",
            "Marco jurídico",
        ],
    ),
    (
        "institutional_framework",
        [
            "الإطار المؤسسي",
            "体制框架",
            "Institutional framework",
            "Cadre institutionnel",
            "Институциональная база",
            "Marco institucional",
        ],
    ),
    (
        "nhri_status",
        [
            "مركز المؤسسة الوطنية لحقوق الإنسان",
            "国家人权机构地位",
            "NHRI status",
            "Statut de l’INDH",
            "Статус НПЗУ",
            "Categoría de la INDH",
        ],
    ),
    (
        "data_evidence",
        [
            "البيانات والأدلة",
            "数据和证据",
            "Data and evidence",
            "Données et éléments de preuve",
            "Данные и фактические сведения",
            "Datos y pruebas",
        ],
    ),
    (
        "mechanism_review",
        [
            "استعراض توصيات الآليات",
            "机制建议审查",
            "Review of mechanism recommendations",
            "Examen des recommandations des mécanismes",
            "Обзор рекомендаций механизмов",
            "Examen de las recomendaciones de los mecanismos",
        ],
    ),
    (
        "causal_analysis",
        [
            "تحليل الأسباب",
            "因果分析",
            "Causal analysis",
            "Analyse causale",
            "Причинно-следственный анализ",
            "Análisis causal",
        ],
    ),
    (
        "role_analysis",
        [
            "تحليل الأدوار",
            "角色分析",
            "Role analysis",
            "Analyse des rôles",
            "Анализ ролей",
            "Análisis de funciones",
        ],
    ),
    (
        "capacity_gaps",
        [
            "الثغرات في القدرات",
            "能力差距",
            "Capacity gaps",
            "Lacunes de capacités",
            "Пробелы в потенциале",
            "Carencias de capacidad",
        ],
    ),
    (
        "risks",
        ["المخاطر", "风险", "Risks", "Risques", "Риски", "Riesgos"],
    ),
    (
        "gender_analysis",
        [
            "التحليل الجنساني",
            "性别分析",
            "Gender analysis",
            "Analyse de genre",
            "Гендерный анализ",
            "Análisis de género",
        ],
    ),
    (
        "groups_left_behind",
        [
            "الفئات المتروكة خلف الركب",
            "掉队群体",
            "Groups left behind",
            "Groupes laissés pour compte",
            "Группы, оставшиеся позади",
            "Grupos que se quedan atrás",
        ],
    ),
    (
        "coherence",
        [
            "الاتساق",
            "一致性",
            "Coherence",
            "Cohérence",
            "Согласованность",
            "Coherencia",
        ],
    ),
    (
        "conclusions",
        [
            "الخلاصات",
            "结论",
            "Conclusions",
            "Conclusions",
            "Заключения",
            "Conclusiones",
        ],
    ),
    (
        "mechanism_recommendations",
        [
            "توصيات الآليات",
            "机制建议",
            "Mechanism recommendations",
            "Recommandations des mécanismes",
            "Рекомендации механизмов",
            "Recomendaciones de los mecanismos",
        ],
    ),
    (
        "response",
        [
            "رد الدولة",
            "国家的回应",
            "State response",
            "Réponse de l’État",
            "Ответ государства",
            "Respuesta del Estado",
        ],
    ),
    (
        "needs",
        [
            "الاحتياجات",
            "需求",
            "Needs",
            "Besoins",
            "Потребности",
            "Necesidades",
        ],
    ),
    (
        "need_type",
        ["النوع", "类型", "Type", "Type", "Вид", "Tipo"],
    ),
    (
        "priority",
        [
            "الأولوية",
            "优先级",
            "Priority",
            "Priorité",
            "Приоритет",
            "Prioridad",
        ],
    ),
    (
        "government_position",
        [
            "موقف الحكومة",
            "政府立场",
            "Government position",
            "Position du gouvernement",
            "Позиция правительства",
            "Posición del Gobierno",
        ],
    ),
    (
        "lead",
        [
            "الجهة الرائدة",
            "牵头方",
            "Lead",
            "Chef de file",
            "Ведущая роль",
            "Dirección",
        ],
    ),
    (
        "duty_bearers",
        [
            "المكلفون بالواجبات",
            "责任承担者",
            "Duty-bearers",
            "Débiteurs d’obligations",
            "Носители обязанностей",
            "Garantes de derechos",
        ],
    ),
    (
        "consultations",
        [
            "المشاورات",
            "磋商",
            "Consultations",
            "Consultations",
            "Консультации",
            "Consultas",
        ],
    ),
    (
        "title",
        ["العنوان", "标题", "Title", "Titre", "Название", "Título"],
    ),
    (
        "period",
        ["الفترة", "期间", "Period", "Période", "Период", "Período"],
    ),
    (
        "currency",
        ["العملة", "货币", "Currency", "Monnaie", "Валюта", "Moneda"],
    ),
    (
        "impact",
        ["الأثر", "影响", "Impact", "Impact", "Воздействие", "Impacto"],
    ),
    (
        "outcomes",
        [
            "المحصلات",
            "成果",
            "Outcomes",
            "Effets",
            "Итоговые результаты",
            "Resultados",
        ],
    ),
    (
        "outcome",
        [
            "المحصلة",
            "成果",
            "Outcome",
            "Effet",
            "Итоговый результат",
            "Resultado",
        ],
    ),
    (
        "assumptions",
        [
            "الافتراضات",
            "假设",
            "Assumptions",
            "Hypothèses",
            "Допущения",
            "Supuestos",
        ],
    ),
    (
        "outputs",
        [
            "النواتج",
            "产出",
            "Outputs",
            "Produits",
            "Промежуточные результаты",
            "Productos",
        ],
    ),
    (
        "output",
        [
            "الناتج",
            "产出",
            "Output",
            "Produit",
            "Промежуточный результат",
            "Producto",
        ],
    ),
    (
        "indicator",
        [
            "المؤشر",
            "指标",
            "Indicator",
            "Indicateur",
            "Показатель",
            "Indicador",
        ],
    ),
    (
        "baseline",
        [
            "خط الأساس",
            "基线",
            "Baseline",
            "Niveau de référence",
            "Исходный уровень",
            "Base de referencia",
        ],
    ),
    (
        "targets",
        [
            "الأهداف",
            "目标值",
            "Targets",
            "Cibles",
            "Целевые значения",
            "Metas",
        ],
    ),
    (
        "actuals",
        [
            "القيم الفعلية",
            "实际值",
            "Actuals",
            "Réalisations",
            "Фактические значения",
            "Valores reales",
        ],
    ),
    (
        "verification",
        [
            "وسائل التحقق",
            "核实手段",
            "Means of verification",
            "Moyens de vérification",
            "Средства проверки",
            "Medios de verificación",
        ],
    ),
    (
        "activity",
        [
            "النشاط",
            "活动",
            "Activity",
            "Activité",
            "Мероприятие",
            "Actividad",
        ],
    ),
    (
        "milestones",
        [
            "المعالم المرحلية",
            "里程碑",
            "Milestones",
            "Jalons",
            "Контрольные точки",
            "Hitos",
        ],
    ),
    (
        "likelihood",
        [
            "الاحتمال",
            "可能性",
            "Likelihood",
            "Probabilité",
            "Вероятность",
            "Probabilidad",
        ],
    ),
    (
        "mitigation",
        [
            "التخفيف",
            "缓解措施",
            "Mitigation",
            "Atténuation",
            "Меры по снижению риска",
            "Mitigación",
        ],
    ),
    (
        "owner",
        [
            "المسؤول عن الخطر",
            "风险负责人",
            "Owner",
            "Responsable",
            "Ответственный за риск",
            "Responsable",
        ],
    ),
    (
        "budget",
        [
            "الميزانية",
            "预算",
            "Budget",
            "Budget",
            "Бюджет",
            "Presupuesto",
        ],
    ),
    (
        "planned",
        [
            "المخطط له",
            "计划数",
            "Planned",
            "Prévu",
            "Запланировано",
            "Previsto",
        ],
    ),
    (
        "committed",
        [
            "الملتزم به",
            "承付数",
            "Committed",
            "Engagé",
            "Обязательства",
            "Comprometido",
        ],
    ),
    (
        "spent",
        [
            "المنفق",
            "支出数",
            "Spent",
            "Dépensé",
            "Израсходовано",
            "Gastado",
        ],
    ),
    (
        "evaluation_type",
        [
            "نوع التقييم",
            "评价类型",
            "Type of evaluation",
            "Type d’évaluation",
            "Вид оценки",
            "Tipo de evaluación",
        ],
    ),
    (
        "independence",
        [
            "الاستقلالية",
            "独立性",
            "Independence",
            "Indépendance",
            "Независимость",
            "Independencia",
        ],
    ),
    (
        "evaluators",
        [
            "القائمون بالتقييم",
            "评价人员",
            "Evaluators",
            "Évaluateurs",
            "Оценщики",
            "Evaluadores",
        ],
    ),
    (
        "criteria",
        [
            "المعايير (لجنة المساعدة الإنمائية التابعة لمنظمة التعاون والتنمية في الميدان الاقتصادي)",
            "标准（经合组织发援会）",
            "Criteria (OECD-DAC)",
            "Critères (CAD-OCDE)",
            "Критерии (КСР ОЭСР)",
            "Criterios (CAD de la OCDE)",
        ],
    ),
    (
        "relevance",
        [
            "الملاءمة",
            "相关性",
            "Relevance",
            "Pertinence",
            "Актуальность",
            "Pertinencia",
        ],
    ),
    (
        "effectiveness",
        [
            "الفعالية",
            "有效性",
            "Effectiveness",
            "Efficacité",
            "Результативность",
            "Eficacia",
        ],
    ),
    (
        "efficiency",
        [
            "الكفاءة",
            "效率",
            "Efficiency",
            "Efficience",
            "Эффективность",
            "Eficiencia",
        ],
    ),
    (
        "sustainability",
        [
            "الاستدامة",
            "可持续性",
            "Sustainability",
            "Durabilité",
            "Устойчивость",
            "Sostenibilidad",
        ],
    ),
    (
        "rating",
        [
            "التقدير",
            "评级",
            "Rating",
            "Notation",
            "Оценка",
            "Calificación",
        ],
    ),
    (
        "rights_gender_lens",
        [
            "منظور حقوق الإنسان والمنظور الجنساني",
            "人权和性别视角",
            "Human rights and gender lens",
            "Perspective des droits humains et du genre",
            "Учет прав человека и гендерной проблематики",
            "Perspectiva de derechos humanos y de género",
        ],
    ),
    (
        "findings",
        [
            "الاستنتاجات",
            "调查结果",
            "Findings",
            "Constatations",
            "Выводы",
            "Constataciones",
        ],
    ),
    (
        "lessons",
        [
            "الدروس",
            "经验教训",
            "Lessons",
            "Enseignements",
            "Извлеченные уроки",
            "Enseñanzas",
        ],
    ),
    (
        "addressee",
        [
            "الجهة الموجهة إليها",
            "建议对象",
            "Addressee",
            "Destinataire",
            "Адресат",
            "Destinatario",
        ],
    ),
    (
        "management_response",
        [
            "رد الإدارة",
            "管理层回应",
            "Management response",
            "Réponse de la direction",
            "Ответ руководства",
            "Respuesta de la administración",
        ],
    ),
    (
        "justification",
        [
            "المبررات",
            "理由",
            "Justification",
            "Justification",
            "Обоснование",
            "Justificación",
        ],
    ),
    (
        "actions",
        ["الإجراءات", "行动", "Actions", "Actions", "Меры", "Medidas"],
    ),
    (
        "due",
        [
            "الموعد النهائي",
            "截止日期",
            "Due",
            "Échéance",
            "Срок выполнения",
            "Fecha límite",
        ],
    ),
    (
        "evidence",
        [
            "الأدلة",
            "证据",
            "Evidence",
            "Éléments de preuve",
            "Подтверждающие сведения",
            "Pruebas",
        ],
    ),
    (
        "follow_up",
        [
            "خطة المتابعة",
            "后续行动计划",
            "Follow-up plan",
            "Plan de suivi",
            "План последующих мер",
            "Plan de seguimiento",
        ],
    ),
    (
        "decision",
        [
            "القرار",
            "决定",
            "Decision",
            "Décision",
            "Решение",
            "Decisión",
        ],
    ),
    (
        "needs_carried",
        [
            "الاحتياجات المنقولة إلى المرحلة التالية",
            "结转的需求",
            "Needs carried forward",
            "Besoins reportés",
            "Потребности, переносимые на следующий этап",
            "Necesidades que se trasladan",
        ],
    ),
    (
        "handover",
        [
            "التسليم",
            "移交",
            "Hand-over",
            "Passation",
            "Передача дел",
            "Traspaso",
        ],
    ),
];

/// The phrase for `key` in `lang` (the key itself if the table lacks it,
/// which the tests rule out).
fn word(lang: Lang, key: &str) -> &'static str {
    WORDS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, texts)| texts[lang as usize])
        .unwrap_or_else(|| {
            debug_assert!(false, "no words for {key}");
            "?"
        })
}

/// A stored identifier as words: `field_presence` → "Field presence".
fn value(id: &str) -> String {
    let words = id.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ------------------------------------------------------------------ blocks

/// One paragraph of the archive document, before it becomes DOCX.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    /// Version, heads, export date: small print under the title.
    Note(String),
    /// A section of the document.
    Heading(String),
    /// A record within a section (a need, an outcome…).
    Subheading(String),
    /// `label: value` on one line.
    Field(String, String),
    /// Free text, one paragraph per line.
    Text(String),
    /// An item of a list.
    Item(String),
}

/// What a reader may learn of the consultations an assessment's needs cite.
#[derive(Default)]
pub struct Sources {
    /// Whether the reader receives the consultations register at all.
    pub register_readable: bool,
    /// Consultation id → its name as this reader may see it.
    pub names: BTreeMap<String, String>,
}

impl Sources {
    /// Names each consultation of the register, masking a confidential
    /// party's identity unless `parties` (given only to readers of the
    /// Parties document) says who it is.
    pub fn from_register(lang: Lang, register: &Consultations, parties: Option<&Parties>) -> Self {
        let names = register
            .consultations
            .iter()
            .map(|(id, c)| {
                let party = if c.confidentiality == Confidentiality::Confidential {
                    parties
                        .and_then(|p| p.parties.get(id))
                        .map(|p| {
                            [p.name.as_str().trim(), p.organisation.as_str().trim()]
                                .into_iter()
                                .filter(|s| !s.is_empty())
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| word(lang, "confidential_source").to_owned())
                } else {
                    c.party.as_str().trim().to_owned()
                };
                let name = [
                    c.date.trim().to_owned(),
                    value(c.party_type.as_str()),
                    party,
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
                (id.clone(), name)
            })
            .collect();
        Sources {
            register_readable: true,
            names,
        }
    }
}

/// Builds the blocks of a document, skipping empty fields.
struct Writer {
    lang: Lang,
    blocks: Vec<Block>,
}

impl Writer {
    fn w(&self, key: &str) -> &'static str {
        word(self.lang, key)
    }

    fn heading(&mut self, key: &str) {
        self.blocks.push(Block::Heading(self.w(key).to_owned()));
    }

    fn sub(&mut self, text: String) {
        self.blocks.push(Block::Subheading(text));
    }

    fn field(&mut self, key: &str, v: impl AsRef<str>) {
        let v = v.as_ref().trim();
        if !v.is_empty() {
            self.blocks
                .push(Block::Field(self.w(key).to_owned(), v.to_owned()));
        }
    }

    fn text(&mut self, v: &str) {
        if !v.trim().is_empty() {
            self.blocks.push(Block::Text(v.trim().to_owned()));
        }
    }

    /// A section: its heading and its text, or "—" when empty.
    fn section(&mut self, key: &str, v: &str) {
        self.heading(key);
        if v.trim().is_empty() {
            self.blocks.push(Block::Text(self.w("none").to_owned()));
        } else {
            self.text(v);
        }
    }

    fn item(&mut self, v: String) {
        if !v.trim().is_empty() {
            self.blocks.push(Block::Item(v));
        }
    }
}

fn records<T: Positioned>(items: &Items<T>) -> impl Iterator<Item = &T> {
    ordered(items).into_iter().map(|(_, v)| v)
}

fn dates(start: &str, end: &str) -> String {
    match (start.trim(), end.trim()) {
        ("", "") => String::new(),
        (s, "") => s.to_owned(),
        ("", e) => format!("– {e}"),
        (s, e) => format!("{s} – {e}"),
    }
}

fn request_blocks(w: &mut Writer, r: &Request) {
    w.field("classification", value(r.classification.as_str()));
    w.field("status", value(r.status.as_str()));
    w.field("authority", r.authority.as_str());
    w.field("received", &r.received);
    w.field("channel", value(r.channel.as_str()));
    w.field("reference", r.reference.as_str());
    w.section("scope", r.scope.as_str());
    w.heading("recommendations");
    for rec in records(&r.recommendations) {
        w.item(
            [
                value(rec.mechanism.as_str()),
                rec.symbol.clone(),
                paragraph(&rec.paragraph),
            ]
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        );
    }
}

fn paragraph(p: &str) -> String {
    if p.trim().is_empty() {
        String::new()
    } else {
        format!("¶{}", p.trim())
    }
}

fn assessment_blocks(w: &mut Writer, a: &Assessment, sources: &Sources) {
    w.field("classification", value(a.classification.as_str()));
    w.field("status", value(a.status.as_str()));
    w.field("method", value(a.method.as_str()));
    w.field("mission", dates(&a.mission_start, &a.mission_end));
    w.field("team", a.team.as_str());
    w.section("national_context", a.national_context.as_str());
    w.section("legal_framework", a.legal_framework.as_str());
    w.section(
        "institutional_framework",
        a.institutional_framework.as_str(),
    );
    w.field("nhri_status", value(a.nhri_status.as_str()));
    w.section("data_evidence", a.data_evidence.as_str());
    w.section("mechanism_review", a.mechanism_review.as_str());
    w.section("causal_analysis", a.causal_analysis.as_str());
    w.section("role_analysis", a.role_analysis.as_str());
    w.section("capacity_gaps", a.capacity_gaps.as_str());
    w.section("risks", a.risks.as_str());
    w.section("gender_analysis", a.gender_analysis.as_str());
    w.section("groups_left_behind", a.groups_left_behind.as_str());
    w.section("coherence", a.coherence.as_str());
    w.section("conclusions", a.conclusions.as_str());

    w.heading("mechanism_recommendations");
    let mut rec_names = BTreeMap::new();
    for (id, rec) in ordered(&a.recommendations) {
        let name = [
            value(rec.mechanism.as_str()),
            rec.symbol.trim().to_owned(),
            paragraph(&rec.paragraph),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        rec_names.insert(id.to_owned(), name.clone());
        w.sub(name);
        w.text(rec.text.as_str());
        w.field("response", value(rec.response.as_str()));
    }

    w.heading("needs");
    for need in records(&a.needs) {
        w.sub(need.title.as_str().trim().to_owned());
        w.text(need.description.as_str());
        w.field("need_type", value(need.need_type.as_str()));
        w.field("priority", value(need.priority.as_str()));
        w.field(
            "government_position",
            value(need.government_position.as_str()),
        );
        w.field("lead", value(need.lead.as_str()));
        w.field("status", value(need.status.as_str()));
        w.field("duty_bearers", need.duty_bearers.as_str());
        let recs = linked(&need.recommendations, &rec_names);
        w.field("recommendations", recs.join("; "));
        let cited: Vec<&str> = members(&need.consultations).collect();
        if sources.register_readable {
            let names = linked(&need.consultations, &sources.names);
            w.field("consultations", names.join("; "));
        } else if !cited.is_empty() {
            w.field(
                "consultations",
                w.w("consultations_count")
                    .replace("{n}", &cited.len().to_string()),
            );
        }
        // Submissions are named by their author only in the server's
        // records, which the export never reads: a count, never a source.
        let submissions = members(&need.submissions).count();
        if submissions > 0 {
            w.item(
                w.w("submissions_count")
                    .replace("{n}", &submissions.to_string()),
            );
        }
    }
}

/// The names of the linked ids that still exist, in the set's order.
fn linked(set: &IdSet, names: &BTreeMap<String, String>) -> Vec<String> {
    members(set)
        .filter_map(|id| names.get(id).cloned())
        .collect()
}

fn measure(m: &Measure) -> String {
    [
        m.value.trim().to_owned(),
        [m.period.trim(), m.date.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        m.source.as_str().trim().to_owned(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

fn indicator_blocks(w: &mut Writer, i: &Indicator) {
    w.item(format!(
        "{}: {}",
        w.w("indicator"),
        [i.title.as_str().trim(), i.unit.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" — ")
    ));
    w.field("baseline", measure(&i.baseline));
    let list = |items: &Items<Measure>| {
        records(items)
            .map(measure)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    };
    w.field("targets", list(&i.targets));
    w.field("actuals", list(&i.actuals));
    w.field("verification", i.verification.as_str());
}

fn money(m: &docs::items::Money) -> String {
    if m.minor == 0 && m.currency.is_empty() {
        String::new()
    } else {
        format!("{:.2} {}", m.units(), m.currency)
    }
}

fn programme_blocks(w: &mut Writer, p: &Programme) {
    w.field("title", p.title.as_str());
    w.field("classification", value(p.classification.as_str()));
    w.field("status", value(p.status.as_str()));
    w.field("period", dates(&p.start, &p.end));
    w.field("currency", &p.currency);
    w.section("impact", p.impact.as_str());
    w.heading("outcomes");
    for (n, outcome) in records(&p.outcomes).enumerate() {
        w.sub(format!(
            "{} {}. {}",
            w.w("outcome"),
            n + 1,
            outcome.title.as_str().trim()
        ));
        w.field("assumptions", outcome.assumptions.as_str());
        for i in records(&outcome.indicators) {
            indicator_blocks(w, i);
        }
        for (m, output) in records(&outcome.outputs).enumerate() {
            w.sub(format!(
                "{} {}.{}. {}",
                w.w("output"),
                n + 1,
                m + 1,
                output.title.as_str().trim()
            ));
            for i in records(&output.indicators) {
                indicator_blocks(w, i);
            }
            for a in records(&output.activities) {
                w.item(format!("{}: {}", w.w("activity"), a.title.as_str().trim()));
                w.field("period", dates(&a.start, &a.end));
                w.field("status", value(a.status.as_str()));
                w.field("milestones", a.milestones.as_str());
            }
        }
    }
    w.heading("risks");
    for r in records(&p.risks) {
        w.item(r.description.as_str().trim().to_owned());
        w.field("likelihood", value(r.likelihood.as_str()));
        w.field("impact", value(r.impact.as_str()));
        w.field("mitigation", r.mitigation.as_str());
        w.field("owner", &r.owner);
    }
    w.heading("budget");
    for b in records(&p.budget) {
        w.item(
            [
                value(b.category.as_str()),
                b.year.to_string(),
                value(b.source.as_str()),
                b.description.as_str().trim().to_owned(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty() && s != "0")
            .collect::<Vec<_>>()
            .join(" · "),
        );
        w.field("planned", money(&b.planned));
        w.field("committed", money(&b.committed));
        w.field("spent", money(&b.spent));
    }
}

fn evaluation_blocks(w: &mut Writer, e: &Evaluation) {
    w.field("title", e.title.as_str());
    w.field("classification", value(e.classification.as_str()));
    w.field("status", value(e.status.as_str()));
    w.field("evaluation_type", value(e.evaluation_type.as_str()));
    w.field("independence", value(e.independence.as_str()));
    w.field("period", dates(&e.start, &e.end));
    w.section("scope", e.scope.as_str());
    w.section("evaluators", e.evaluators.as_str());
    w.heading("criteria");
    let criteria: [(&str, &Criterion); 6] = [
        ("relevance", &e.relevance),
        ("coherence", &e.coherence),
        ("effectiveness", &e.effectiveness),
        ("efficiency", &e.efficiency),
        ("impact", &e.impact),
        ("sustainability", &e.sustainability),
    ];
    for (key, c) in criteria {
        w.sub(w.w(key).to_owned());
        w.field("rating", value(c.rating.as_str()));
        w.text(c.findings.as_str());
    }
    w.section("rights_gender_lens", e.rights_gender_lens.as_str());
    w.heading("findings");
    for f in records(&e.findings) {
        w.item(f.text.as_str().trim().to_owned());
    }
    w.section("conclusions", e.conclusions.as_str());
    w.section("lessons", e.lessons.as_str());
    w.heading("recommendations");
    for r in records(&e.recommendations) {
        w.sub(r.text.as_str().trim().to_owned());
        w.field("addressee", &r.addressee);
        w.field("priority", value(r.priority.as_str()));
        w.field("management_response", value(r.response.as_str()));
        w.field("justification", r.justification.as_str());
        for a in records(&r.actions) {
            w.item(
                [
                    a.description.as_str().trim().to_owned(),
                    a.responsible.trim().to_owned(),
                    a.due.trim().to_owned(),
                    value(a.status.as_str()),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            );
        }
    }
    w.heading("follow_up");
    w.field("decision", value(e.follow_up.decision.as_str()));
    w.field(
        "needs_carried",
        members(&e.follow_up.needs_carried).count().to_string(),
    );
    w.field("sustainability", e.follow_up.sustainability.as_str());
    w.field("handover", e.follow_up.handover.as_str());
}

/// `2027-03-04 09:30 UTC`.
fn when(at: i64) -> String {
    let t = rfc3339(at);
    match (t.get(..10), t.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => t,
    }
}

/// Which version is exported, as its note under the title says.
pub enum Version<'a> {
    Approved { by: &'a str, at: i64 },
    Current,
    Earlier,
}

/// The document at a version, read as its kind and laid out as blocks:
/// title, version, heads, then each section in schema order.
pub fn blocks(
    lang: Lang,
    kind: DocKind,
    doc: &AutoCommit,
    heading: &str,
    version: Version<'_>,
    heads: &[ChangeHash],
    sources: &Sources,
) -> Result<Vec<Block>, String> {
    let mut w = Writer {
        lang,
        blocks: Vec::new(),
    };
    w.blocks.push(Block::Title(heading.to_owned()));
    let note = match version {
        Version::Approved { by, at } => w
            .w("approved")
            .replace("{by}", by)
            .replace("{date}", &when(at)),
        Version::Current => w.w("current").to_owned(),
        Version::Earlier => w.w("earlier").to_owned(),
    };
    w.blocks.push(Block::Note(note));
    w.blocks.push(Block::Note(format!(
        "{}: {}",
        w.w("heads"),
        heads
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )));
    w.blocks
        .push(Block::Note(w.w("exported").replace("{date}", &today_utc())));
    match kind {
        DocKind::Request => request_blocks(
            &mut w,
            &docs::open::<Request>(doc).map_err(|e| e.to_string())?,
        ),
        DocKind::Assessment => assessment_blocks(
            &mut w,
            &docs::open::<Assessment>(doc).map_err(|e| e.to_string())?,
            sources,
        ),
        DocKind::Programme => programme_blocks(
            &mut w,
            &docs::open::<Programme>(doc).map_err(|e| e.to_string())?,
        ),
        DocKind::Evaluation => evaluation_blocks(
            &mut w,
            &docs::open::<Evaluation>(doc).map_err(|e| e.to_string())?,
        ),
        // The handler refuses every other kind before reading the document.
        _ => {}
    }
    Ok(w.blocks)
}

/// The blocks as a DOCX package (Title and Heading styles, so a word
/// processor shows the sections in its outline). In a right-to-left
/// language every paragraph is marked `w:bidi`, so it starts at the right
/// margin and its runs are laid out right to left.
///
/// docx-rs 0.4.22 has no `w:rtl` run property, no `w:lang` and no setter
/// for the package's `dc:language`, so runs are not marked right-to-left
/// (a word processor orders Arabic letters by the Unicode bidirectional
/// algorithm within a bidi paragraph) and the language is not declared.
pub fn docx(lang: Lang, blocks: &[Block]) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    package(lang, blocks)
        .build()
        .pack(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The document [`docx`] packs.
fn package(lang: Lang, blocks: &[Block]) -> Docx {
    let mut doc = Docx::new()
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(36)
                .bold(),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(28)
                .bold()
                .outline_lvl(0),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("Heading 2")
                .size(24)
                .bold()
                .outline_lvl(1),
        );
    let paragraph = || {
        let mut p = Paragraph::new();
        if lang.rtl() {
            p.property = p.property.bidi(true);
        }
        p
    };
    let plain = |text: &str| paragraph().add_run(Run::new().add_text(text));
    for block in blocks {
        match block {
            Block::Title(t) => doc = doc.add_paragraph(plain(t).style("Title")),
            Block::Note(t) => {
                doc =
                    doc.add_paragraph(paragraph().add_run(Run::new().add_text(t).italic().size(18)))
            }
            Block::Heading(t) => doc = doc.add_paragraph(plain(t).style("Heading1")),
            Block::Subheading(t) => doc = doc.add_paragraph(plain(t).style("Heading2")),
            Block::Field(label, v) => {
                doc = doc.add_paragraph(
                    paragraph()
                        .add_run(Run::new().add_text(format!("{label}: ")).bold())
                        .add_run(Run::new().add_text(v)),
                )
            }
            Block::Text(t) => {
                for line in t.lines() {
                    doc = doc.add_paragraph(plain(line));
                }
            }
            Block::Item(t) => doc = doc.add_paragraph(plain(&format!("• {t}"))),
        }
    }
    doc
}

// ------------------------------------------------------------------ handler

#[derive(Deserialize)]
struct ExportQuery {
    heads: Option<String>,
    lang: Option<String>,
}

/// The hashes of a `heads` parameter, sorted; a clear 400 for anything else.
fn parse_heads(text: &str) -> Result<Vec<ChangeHash>, AppError> {
    let parts: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > MAX_HEADS {
        return Err(bad_request(format!(
            "heads names the version to export: 1 to {MAX_HEADS} change hashes separated by commas."
        )));
    }
    let mut heads = Vec::with_capacity(parts.len());
    for h in parts {
        heads.push(h.parse::<ChangeHash>().map_err(|_| {
            bad_request(format!(
                "heads: {:?} is not a change hash (64 hexadecimal digits).",
                h.chars().take(80).collect::<String>()
            ))
        })?);
    }
    heads.sort();
    heads.dedup();
    Ok(heads)
}

/// The names of the consultations an assessment cites, as this reader may
/// see them; whether identities from the Parties document were included.
async fn sources_for(
    store: &Store,
    user: &User,
    lang: Lang,
    engagement: Option<&Engagement>,
) -> Result<(Sources, bool), AppError> {
    let Some(links) = engagement.map(|e| &e.documents) else {
        return Ok((Sources::default(), false));
    };
    let Ok(register_id) = DocumentId::parse_url_or_id(&links.consultations) else {
        return Ok((Sources::default(), false));
    };
    if standing(store, user, register_id).await?.is_none() {
        return Ok((Sources::default(), false));
    }
    let Some(register) = read_as::<Consultations>(store, register_id).await else {
        return Ok((Sources::default(), false));
    };
    let parties = match DocumentId::parse_url_or_id(&links.parties) {
        Ok(id) if standing(store, user, id).await?.is_some() => read_as::<Parties>(store, id).await,
        _ => None,
    };
    let named = parties.as_ref().is_some_and(|p| {
        register.consultations.iter().any(|(id, c)| {
            c.confidentiality == Confidentiality::Confidential && p.parties.contains_key(id)
        })
    });
    Ok((
        Sources::from_register(lang, &register, parties.as_ref()),
        named,
    ))
}

/// `GET /api/documents/{id}/export.docx`: one version of a request,
/// assessment, programme or evaluation as a DOCX file.
async fn export_docx(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|e| {
        bad_request(format!(
            "The export's parameters are not what was expected: {}",
            e.body_text()
        ))
    })?;
    let (id, s) = readable(&state.store, &user, &id).await?;
    let kind = s.governance.kind;
    if !APPROVABLE.contains(&kind) {
        return Err(bad_request(format!(
            "A {} is not exported; requests, assessments, programmes and evaluations are.",
            kind.as_str()
        )));
    }
    let lang = Lang::parse(query.lang.as_deref())?;
    let asked = query.heads.as_deref().map(parse_heads).transpose()?;

    let mut doc = load(&state.store, id).await?;
    let approvals = approvals_of(&state.store, id).await?;
    let current = {
        let mut h = doc.get_heads();
        h.sort();
        h
    };
    let heads = match (&asked, approvals.first()) {
        (Some(heads), _) => heads.clone(),
        (None, Some(latest)) => {
            let mut h = latest.heads.clone();
            h.sort();
            h
        }
        (None, None) => current.clone(),
    };
    if let Some(missing) = heads.iter().find(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(bad_request(format!(
            "heads: the server has no version {missing} of this document."
        )));
    }
    let approved: Option<&Approval> = approvals.iter().find(|a| {
        let mut h = a.heads.clone();
        h.sort();
        h == heads
    });
    let version = match approved {
        Some(a) => Version::Approved {
            by: &a.by,
            at: a.at,
        },
        None if heads == current => Version::Current,
        None => Version::Earlier,
    };
    let at_version = doc.fork_at(&heads).map_err(|e| {
        bad_request(format!(
            "heads: this document has no version made of those changes ({e})."
        ))
    })?;

    let engagement = read_as::<Engagement>(&state.store, s.governance.engagement).await;
    let (sources, named) = if kind == DocKind::Assessment {
        sources_for(&state.store, &user, lang, engagement.as_ref()).await?
    } else {
        (Sources::default(), false)
    };
    let heading = {
        let kind_name = word(lang, kind.as_str());
        match engagement.as_ref() {
            Some(e) if !e.title.as_str().trim().is_empty() => {
                format!("{kind_name} — {} ({})", e.title.as_str().trim(), e.country)
            }
            _ => kind_name.to_owned(),
        }
    };
    let blocks = blocks(lang, kind, &at_version, &heading, version, &heads, &sources).map_err(|e| {
        tracing::error!(doc = %id, error = %e, "a document version could not be read for export");
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("This version of the document does not match its schema, so it cannot be exported: {e}"),
        )
    })?;
    let bytes = docx(lang, &blocks).map_err(|e| {
        tracing::error!(doc = %id, error = %e, "writing a DOCX failed");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The export could not be written; try again.",
        )
    })?;

    let heads_text = heads
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    audit::record(
        &state.store,
        "exported",
        &user.email,
        &format!("{} {id} at heads {heads_text} as docx", kind.as_str()),
    )
    .await
    .map_err(storage_failed)?;
    if named {
        // The export carries confidential parties' identities: a read of the parties.
        audit::record(
            &state.store,
            "parties_read",
            &user.email,
            &format!("in the export of {} {id}", kind.as_str()),
        )
        .await
        .map_err(storage_failed)?;
    }
    let date = match approved {
        Some(a) => rfc3339(a.at).chars().take(10).collect(),
        None => today_utc(),
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{date}.docx\"", kind.as_str()),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_shared::docs::{Consultation, Need, Party};

    #[test]
    fn every_phrase_has_words_in_the_six_languages_once() {
        let mut keys: Vec<&str> = WORDS.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key twice in WORDS");
        for (key, texts) in WORDS {
            assert!(texts.iter().all(|t| !t.trim().is_empty()), "{key}");
            // The placeholders of the English text are in every language.
            for ph in ["{by}", "{date}", "{n}"] {
                if texts[Lang::En as usize].contains(ph) {
                    assert!(texts.iter().all(|t| t.contains(ph)), "{key}: {ph}");
                }
            }
        }
        // A row's texts are in `Lang::ALL` order, which `word` indexes by.
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(lang as usize, i, "{lang:?}");
        }
        assert_eq!(word(Lang::En, "needs"), "Needs");
        assert_eq!(word(Lang::Fr, "needs"), "Besoins");
    }

    fn assessment_doc() -> (AutoCommit, Consultations, Parties) {
        let mut register = Consultations::default();
        let mut parties = Parties::default();
        let open = docs::items::push(
            &mut register.consultations,
            Consultation {
                party: "Ligue des droits".into(),
                date: "2027-01-02".into(),
                ..Consultation::default()
            },
        );
        let secret = docs::items::push(
            &mut register.consultations,
            Consultation {
                party: "SRC-7".into(),
                confidentiality: Confidentiality::Confidential,
                ..Consultation::default()
            },
        );
        parties.parties.insert(
            secret.clone(),
            Party {
                name: "Kofi Mensah".into(),
                ..Party::default()
            },
        );
        let mut a = Assessment {
            conclusions: "Reform the code.".into(),
            ..Assessment::default()
        };
        let need = Need {
            title: "Legal aid".into(),
            consultations: [(open, true), (secret, true)].into_iter().collect(),
            ..Need::default()
        };
        docs::items::push(&mut a.needs, need);
        let mut doc = AutoCommit::new();
        docs::create(&mut doc, a).unwrap();
        (doc, register, parties)
    }

    fn text(blocks: &[Block]) -> String {
        format!("{blocks:?}")
    }

    #[test]
    fn a_confidential_party_is_named_only_to_readers_of_the_parties() {
        let (mut doc, register, parties) = assessment_doc();
        let heads = doc.get_heads();
        let render = |sources: &Sources| {
            text(
                &blocks(
                    Lang::En,
                    DocKind::Assessment,
                    &doc,
                    "Needs assessment",
                    Version::Current,
                    &heads,
                    sources,
                )
                .unwrap(),
            )
        };
        let masked = render(&Sources::from_register(Lang::En, &register, None));
        assert!(masked.contains("Ligue des droits"), "{masked}");
        assert!(masked.contains("Confidential source"), "{masked}");
        assert!(
            !masked.contains("Kofi") && !masked.contains("SRC-7"),
            "{masked}"
        );
        let granted = render(&Sources::from_register(Lang::En, &register, Some(&parties)));
        assert!(granted.contains("Kofi Mensah"), "{granted}");
        let government = render(&Sources::default());
        assert!(
            government.contains("2 consultation(s) cited"),
            "{government}"
        );
        assert!(!government.contains("Ligue"), "{government}");
    }

    #[test]
    fn headings_follow_the_language_and_the_package_is_a_docx() {
        let (mut doc, _, _) = assessment_doc();
        let heads = doc.get_heads();
        let fr = blocks(
            Lang::Fr,
            DocKind::Assessment,
            &doc,
            "Évaluation des besoins",
            Version::Approved { by: "Sofia", at: 0 },
            &heads,
            &Sources::default(),
        )
        .unwrap();
        assert!(fr.contains(&Block::Heading("Contexte national".into())));
        assert!(fr.contains(&Block::Note(
            "Version : approuvée par Sofia le 1970-01-01 00:00 UTC".into()
        )));
        assert!(fr.contains(&Block::Text("Reform the code.".into())));
        let bytes = docx(Lang::Fr, &fr).unwrap();
        assert_eq!(&bytes[..2], b"PK", "a ZIP package");
    }

    #[test]
    fn bad_heads_and_languages_are_refused_with_a_reason() {
        assert!(parse_heads("").is_err());
        assert!(parse_heads("zz").is_err());
        assert_eq!(
            parse_heads(&format!("{0},{0}", "ab".repeat(32)))
                .unwrap()
                .len(),
            1
        );
        assert!(Lang::parse(Some("de")).is_err());
        assert_eq!(Lang::parse(None).unwrap(), Lang::En);
    }

    #[test]
    fn the_six_languages_are_accepted_and_others_refused_naming_them() {
        for (code, lang) in [
            ("ar", Lang::Ar),
            ("zh", Lang::Zh),
            ("en", Lang::En),
            ("fr", Lang::Fr),
            ("ru", Lang::Ru),
            ("es", Lang::Es),
            ("", Lang::En),
            (" es ", Lang::Es),
        ] {
            assert_eq!(Lang::parse(Some(code)).unwrap(), lang, "{code:?}");
        }
        for code in ["de", "EN", "zh-CN", "arabic"] {
            let err = Lang::parse(Some(code)).unwrap_err();
            let res = err.into_response();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{code}");
        }
        let message = format!("{:?}", Lang::parse(Some("de")).unwrap_err());
        for code in ["ar", "zh", "en", "fr", "ru", "es"] {
            assert!(message.contains(&format!("{code} (")), "{message}");
        }
    }

    fn assessment_in(lang: Lang) -> Vec<Block> {
        let (mut doc, _, _) = assessment_doc();
        let heads = doc.get_heads();
        blocks(
            lang,
            DocKind::Assessment,
            &doc,
            word(lang, "assessment"),
            Version::Current,
            &heads,
            &Sources::default(),
        )
        .unwrap()
    }

    #[test]
    fn headings_are_written_in_arabic_chinese_russian_and_spanish() {
        for (lang, heading, note) in [
            (
                Lang::Ar,
                "السياق الوطني",
                "النسخة الحالية (لم تتم الموافقة عليها)",
            ),
            (Lang::Zh, "国家背景", "当前版本（未核准）"),
            (
                Lang::Ru,
                "Национальный контекст",
                "Текущая версия (не утверждена)",
            ),
            (
                Lang::Es,
                "Contexto nacional",
                "Versión actual (no aprobada)",
            ),
        ] {
            let blocks = assessment_in(lang);
            assert!(
                blocks.contains(&Block::Heading(heading.into())),
                "{lang:?}: {blocks:?}"
            );
            assert!(
                blocks.contains(&Block::Note(note.into())),
                "{lang:?}: {blocks:?}"
            );
            assert!(
                !text(&blocks).contains("National context"),
                "{lang:?}: {blocks:?}"
            );
            let bytes = docx(lang, &blocks).unwrap();
            assert_eq!(&bytes[..2], b"PK", "{lang:?}: a ZIP package");
        }
    }

    #[test]
    fn arabic_paragraphs_are_right_to_left_and_others_are_not() {
        let xml = |lang: Lang| {
            String::from_utf8(package(lang, &assessment_in(lang)).build().document).unwrap()
        };
        let arabic = xml(Lang::Ar);
        assert!(arabic.contains("السياق الوطني"), "{arabic}");
        let paragraphs = arabic.matches("<w:p>").count() + arabic.matches("<w:p ").count();
        assert!(paragraphs > 5, "{arabic}");
        assert_eq!(
            arabic.matches("<w:bidi />").count(),
            paragraphs,
            "every Arabic paragraph is bidi: {arabic}"
        );
        for lang in [Lang::Zh, Lang::En, Lang::Fr, Lang::Ru, Lang::Es] {
            assert!(!xml(lang).contains("w:bidi"), "{lang:?}");
        }
    }
}
