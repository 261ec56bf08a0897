//! Credentials: the API token and secret, from the environment or secret files only, never flags.

use secrecy::SecretString;

use super::{ConfigError, bad};
use crate::mode::Credentials;

/// Credentials from MODE_API_TOKEN / MODE_API_SECRET, or from the files MODE_API_TOKEN_FILE /
/// MODE_API_SECRET_FILE name (Kubernetes secret volumes). Surrounding whitespace is dropped.
pub fn credentials(env: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, ConfigError> {
    let token = secret(env, "MODE_API_TOKEN")?;
    let secret = secret(env, "MODE_API_SECRET")?;
    Ok(Credentials { token, secret })
}

fn secret(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<SecretString, ConfigError> {
    optional_secret(env, name)?.ok_or_else(|| {
        bad(format!(
            "{name} is not set: export {name} (or {name}_FILE naming a file that holds it). \
             Create a token in Mode under Workspace Settings > Privacy & Security > API"
        ))
    })
}

/// A secret from `name` or from the file `name`_FILE names, `None` when neither is set. Its value
/// never appears in an error.
pub fn optional_secret(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<SecretString>, ConfigError> {
    let file_var = format!("{name}_FILE");
    let direct = env(name).filter(|v| !v.trim().is_empty());
    let file = env(&file_var).filter(|v| !v.trim().is_empty());
    let value = match (direct, file) {
        (Some(_), Some(_)) => {
            return Err(bad(format!("both {name} and {file_var} are set: keep one")));
        }
        (Some(v), None) => v,
        (None, Some(path)) => std::fs::read_to_string(path.trim()).map_err(|e| {
            bad(format!(
                "cannot read {file_var} ({}): {e}; check the path and that this user may read it",
                path.trim()
            ))
        })?,
        (None, None) => return Ok(None),
    };
    let value = value.trim();
    if value.is_empty() {
        return Err(bad(format!("{name} is empty")));
    }
    Ok(Some(SecretString::from(value.to_string())))
}
