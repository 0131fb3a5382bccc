pub mod policy_without_rls;
pub mod rls_disabled;
pub mod rls_enabled_no_policy;
