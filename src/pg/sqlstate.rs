//! SQLSTATE predicates (docs/contract.md §8): PostgreSQL failures are classified by their
//! five-character code, never by message text.
//! Contract: docs/contract.md §5.10, §8.

/// 57P03 `cannot_connect_now`: the server is starting up or shutting down.
pub fn cannot_connect_now(code: &str) -> bool {
    code == "57P03"
}

/// Class 28, invalid authorization specification: the login was rejected.
pub fn invalid_authorization(code: &str) -> bool {
    code.starts_with("28")
}

/// 57014 `query_canceled`: the statement was cancelled (statement_timeout, a cancel request).
pub fn query_canceled(code: &str) -> bool {
    code == "57014"
}

/// Class 08, connection exception.
pub fn connection_exception(code: &str) -> bool {
    code.starts_with("08")
}

/// 55000 `object_not_in_prerequisite_state`, e.g. a WAL function called during recovery.
pub fn wrong_state(code: &str) -> bool {
    code == "55000"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_by_code() {
        type Pred = fn(&str) -> bool;
        let table: [(&str, Pred, bool); 8] = [
            ("57P03", cannot_connect_now, true),
            ("57P01", cannot_connect_now, false),
            ("28P01", invalid_authorization, true),
            ("28000", invalid_authorization, true),
            ("42501", invalid_authorization, false),
            ("57014", query_canceled, true),
            ("08006", connection_exception, true),
            ("55000", wrong_state, true),
        ];
        for (code, pred, want) in table {
            assert_eq!(pred(code), want, "{code}");
        }
    }
}
