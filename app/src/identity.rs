//! The display name this device shows to others, kept in localStorage.

const NAME_KEY: &str = "accord.name";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The stored name, or a fresh "Guest NNNN" (stored, so it stays the same).
pub fn load_name(guest: &str) -> String {
    if let Some(name) = storage().and_then(|s| s.get_item(NAME_KEY).ok().flatten()) {
        if !name.trim().is_empty() {
            return name;
        }
    }
    let number = 1000 + (js_sys::Math::random() * 9000.0) as u32;
    let name = format!("{guest} {number}");
    save_name(&name);
    name
}

pub fn save_name(name: &str) {
    if let Some(storage) = storage() {
        // Private browsing may refuse; the name then lasts for this tab only.
        let _ = storage.set_item(NAME_KEY, name);
    }
}
