//! The taxonomy document: themes, rights-holder groups and SDG targets that
//! needs, recommendations and issues are tagged with. It is data an
//! administrator edits like any document (everyone signed in reads it), not
//! code; this is only what it holds on the first start.
//!
//! Terms are keyed by stable identifiers (`accountability`, `children`,
//! `16.3`) so that documents of every server tag alike.

use std::collections::BTreeMap;

use accord_shared::docs::{Taxonomy, Term};
use accord_shared::policy::DocKind;
use accord_shared::DocumentId;
use automerge::ActorId;

use crate::engagements::new_document;
use crate::storage::{NewDocument, Provenance, StorageError, Store};

/// Meta key of the taxonomy document's id.
pub const TAXONOMY_KEY: &str = "taxonomy_document";

/// (key, English, French, Spanish)
type Label = (&'static str, &'static str, &'static str, &'static str);

/// OHCHR's pillars of the 2018–2021 Management Plan.
const PILLARS: &[Label] = &[
    (
        "non_discrimination",
        "Non-discrimination",
        "Non-discrimination",
        "No discriminación",
    ),
    (
        "mechanisms",
        "Support to the human rights mechanisms",
        "Appui aux mécanismes des droits de l'homme",
        "Apoyo a los mecanismos de derechos humanos",
    ),
    (
        "accountability",
        "Accountability and rule of law",
        "Responsabilité et état de droit",
        "Rendición de cuentas y estado de derecho",
    ),
    (
        "participation",
        "Participation and civic space",
        "Participation et espace civique",
        "Participación y espacio cívico",
    ),
    (
        "peace_security",
        "Peace and security",
        "Paix et sécurité",
        "Paz y seguridad",
    ),
    ("development", "Development", "Développement", "Desarrollo"),
];

/// The frontier issues of the same plan.
const FRONTIER: &[Label] = &[
    (
        "climate_change",
        "Climate change",
        "Changements climatiques",
        "Cambio climático",
    ),
    (
        "digital_space",
        "Digital space",
        "Espace numérique",
        "Espacio digital",
    ),
    (
        "inequalities",
        "Inequalities",
        "Inégalités",
        "Desigualdades",
    ),
    ("corruption", "Corruption", "Corruption", "Corrupción"),
    (
        "people_on_the_move",
        "People on the move",
        "Personnes en déplacement",
        "Personas en movimiento",
    ),
];

/// Rights-holder groups (product.md).
const GROUPS: &[Label] = &[
    ("children", "Children", "Enfants", "Niños y niñas"),
    (
        "idps",
        "Internally displaced persons",
        "Personnes déplacées à l'intérieur de leur propre pays",
        "Desplazados internos",
    ),
    ("migrants", "Migrants", "Migrants", "Migrantes"),
    (
        "women_girls",
        "Women and girls",
        "Femmes et filles",
        "Mujeres y niñas",
    ),
    (
        "human_rights_defenders",
        "Human rights defenders",
        "Défenseurs des droits de l'homme",
        "Defensores de los derechos humanos",
    ),
    (
        "lgbti",
        "LGBTI persons",
        "Personnes LGBTI",
        "Personas LGBTI",
    ),
    (
        "persons_with_disabilities",
        "Persons with disabilities",
        "Personnes handicapées",
        "Personas con discapacidad",
    ),
    (
        "indigenous_peoples",
        "Indigenous peoples",
        "Peuples autochtones",
        "Pueblos indígenas",
    ),
    ("minorities", "Minorities", "Minorités", "Minorías"),
    (
        "refugees_asylum_seekers",
        "Refugees and asylum-seekers",
        "Réfugiés et demandeurs d'asile",
        "Refugiados y solicitantes de asilo",
    ),
];

/// SDG targets human rights work most often serves.
const SDG_TARGETS: &[Label] = &[
    (
        "16.3",
        "16.3 Rule of law and equal access to justice",
        "16.3 État de droit et égal accès à la justice",
        "16.3 Estado de derecho e igualdad de acceso a la justicia",
    ),
    (
        "16.6",
        "16.6 Effective, accountable and transparent institutions",
        "16.6 Institutions efficaces, responsables et transparentes",
        "16.6 Instituciones eficaces, responsables y transparentes",
    ),
    (
        "16.7",
        "16.7 Responsive, inclusive, participatory and representative decision-making",
        "16.7 Prise de décisions ouverte, participative et représentative",
        "16.7 Decisiones inclusivas, participativas y representativas",
    ),
    (
        "16.10",
        "16.10 Public access to information and fundamental freedoms",
        "16.10 Accès public à l'information et libertés fondamentales",
        "16.10 Acceso público a la información y libertades fundamentales",
    ),
    (
        "16.a",
        "16.a Strengthen national institutions to prevent violence and crime",
        "16.a Renforcer les institutions nationales pour prévenir la violence et la criminalité",
        "16.a Fortalecer las instituciones nacionales para prevenir la violencia y la delincuencia",
    ),
    (
        "5.1",
        "5.1 End discrimination against women and girls",
        "5.1 Mettre fin à la discrimination à l'égard des femmes et des filles",
        "5.1 Poner fin a la discriminación contra las mujeres y las niñas",
    ),
    (
        "5.2",
        "5.2 Eliminate violence against women and girls",
        "5.2 Éliminer la violence à l'égard des femmes et des filles",
        "5.2 Eliminar la violencia contra las mujeres y las niñas",
    ),
    (
        "10.2",
        "10.2 Social, economic and political inclusion of all",
        "10.2 Inclusion sociale, économique et politique de tous",
        "10.2 Inclusión social, económica y política de todas las personas",
    ),
    (
        "10.3",
        "10.3 Equal opportunity and an end to discriminatory laws",
        "10.3 Égalité des chances et fin des lois discriminatoires",
        "10.3 Igualdad de oportunidades y fin de las leyes discriminatorias",
    ),
    (
        "4.7",
        "4.7 Education for human rights and sustainable development",
        "4.7 Éducation aux droits de l'homme et au développement durable",
        "4.7 Educación en derechos humanos y desarrollo sostenible",
    ),
    (
        "1.3",
        "1.3 Social protection systems for all",
        "1.3 Systèmes de protection sociale pour tous",
        "1.3 Sistemas de protección social para todos",
    ),
];

fn terms<'a>(
    labels: impl IntoIterator<Item = (&'a Label, bool)>,
) -> accord_shared::docs::items::Items<Term> {
    labels
        .into_iter()
        .enumerate()
        .map(|(i, ((key, en, fr, es), frontier))| {
            let labels = BTreeMap::from([
                ("en".to_owned(), en.to_string()),
                ("fr".to_owned(), fr.to_string()),
                ("es".to_owned(), es.to_string()),
            ]);
            (
                key.to_string(),
                Term {
                    pos: (i + 1) as f64,
                    labels,
                    frontier,
                    retired: false,
                },
            )
        })
        .collect()
}

/// The taxonomy as first written.
pub fn initial() -> Taxonomy {
    Taxonomy {
        themes: terms(
            PILLARS
                .iter()
                .map(|l| (l, false))
                .chain(FRONTIER.iter().map(|l| (l, true))),
        ),
        groups: terms(GROUPS.iter().map(|l| (l, false))),
        sdg_targets: terms(SDG_TARGETS.iter().map(|l| (l, false))),
        ..Taxonomy::default()
    }
}

/// Creates the taxonomy document once; returns its id. It is governed as
/// its own "engagement" of kind taxonomy, so the relay reads every person's
/// access from their account's role. Called at start when seeding, else on
/// the first `GET /api/taxonomy` (a server without demo data stores nothing
/// until someone needs it).
pub async fn ensure_taxonomy(store: &Store) -> Result<DocumentId, StorageError> {
    // One creator at a time, so two first requests do not make two taxonomies.
    static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _creating = CREATING.lock().await;
    if let Some(id) = store.meta(TAXONOMY_KEY).await?.and_then(|v| v.parse().ok()) {
        return Ok(id);
    }
    let id = DocumentId::random();
    store
        .create_governed(
            id,
            vec![NewDocument {
                id,
                kind: DocKind::Taxonomy,
                changes: new_document(&ActorId::random(), initial()),
                shared_with_government: false,
            }],
            Provenance::default(),
            None,
        )
        .await?;
    store.set_meta(TAXONOMY_KEY, &id.to_string()).await?;
    tracing::info!(%id, "created the taxonomy");
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn created_once_with_pillars_frontier_issues_groups_and_targets() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = ensure_taxonomy(&store).await.unwrap();
        assert_eq!(ensure_taxonomy(&store).await.unwrap(), id);
        let doc = crate::engagements::load_document(&store, id).await.unwrap();
        let t: Taxonomy = accord_shared::docs::open(&doc).unwrap();
        assert_eq!(t.themes.len(), 11);
        assert!(t.themes["climate_change"].frontier);
        assert!(!t.themes["accountability"].frontier);
        assert_eq!(t.groups.len(), 10);
        assert_eq!(
            t.sdg_targets["16.3"].labels["en"],
            "16.3 Rule of law and equal access to justice"
        );
        assert!(t
            .themes
            .values()
            .chain(t.groups.values())
            .chain(t.sdg_targets.values())
            .all(|term| ["en", "fr"].iter().all(|l| term.labels.contains_key(*l))));
        let g = store.governance(id).await.unwrap().unwrap();
        assert_eq!(g.kind, DocKind::Taxonomy);
    }
}
