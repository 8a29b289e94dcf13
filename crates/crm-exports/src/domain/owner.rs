//! Owners: the people records are assigned to through `hubspot_owner_id`, exported by name.

#[derive(Clone, Debug, PartialEq)]
pub struct Owner {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Owner {
    /// How exports show an owner: "First Last", or the email when both names are empty.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        let name = name.trim();
        if name.is_empty() {
            self.email.clone()
        } else {
            name.to_string()
        }
    }
}
