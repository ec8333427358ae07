//! Switchboard's rules, free of I/O and clocks: who is offered a chat, who may take, reply,
//! transfer, resolve, archive or delete it, and what each action changes.
//!
//! Every function here is pure: the server loads the facts, calls a function, and executes the
//! decision it gets back. Time is passed in.

pub mod attachments;
pub mod contacts;
pub mod delivery;
pub mod lifecycle;
pub mod permissions;
pub mod routing;
pub mod templates;
pub mod text;

pub use uuid::Uuid as AgentId;
