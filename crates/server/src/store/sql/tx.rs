//! Every [`Tx`] operation, once, over any [`Conn`].

use chrono::{DateTime, TimeZone, Utc};
use switchboard_protocol::{Identity, MessageStatus, Presence};
use uuid::Uuid;

use super::rows::{self, columns, Record};
use super::{kept_text, params, Conn, SqlRow, Unique, Value};
use crate::store::{
    contains_pattern, prefix_pattern, AgentRow, Announcement, AttachmentRow, AuditFilter, AuditRow,
    BlockRow, ChannelRow, ContactCursor, ContactRow, ConversationRow, EventRow, HistoryKey,
    ListCursor, ListView, MessageRow, OutboundJob, OutboundState, QueueRow, Relation, SessionRow,
    SmsOptOutRow, StoreError, StoreResult, TemplateRow, Tx, ViewRow, VisitorRow,
    WhatsAppTemplateRow,
};

/// Most event rows written by one `INSERT` (six parameters each, well under either backend's
/// limit); a power of two.
const EVENTS_PER_INSERT: usize = 128;

/// A transaction of a backend's [`Conn`], speaking [`Tx`].
pub(crate) struct SqlTx<C> {
    pub conn: C,
    /// The conversation row as it is stored now, when this transaction knows it: the last one
    /// it wrote, or read while holding it (see [`super::Dialect::one_writer`]). Updating that
    /// row then writes only the columns that changed, so the indexes of the others are left
    /// alone — a new message touches none — and reading that row again needs no statement.
    /// Forgotten by any other statement that writes `conversations`.
    stored: Option<ConversationRow>,
}

impl<C: Conn> SqlTx<C> {
    pub fn new(conn: C) -> Self {
        SqlTx { conn, stored: None }
    }

    /// `row`, read from `conversations` (`held`: with `for_update`), kept as what is stored.
    fn held(&mut self, row: Option<ConversationRow>, held: bool) -> Option<ConversationRow> {
        if let Some(row) = &row {
            if held || C::DIALECT.one_writer {
                self.stored = Some(row.clone());
            }
        }
        row
    }

    /// The conversation `id` as stored now, if this transaction knows it (see `stored`): read
    /// again, it would answer the same.
    fn known(&self, id: Uuid) -> Option<ConversationRow> {
        self.stored.as_ref().filter(|row| row.id == id).cloned()
    }

    /// Before a statement that writes: one on `conversations` makes the kept row unknown.
    fn writes(&mut self, sql: &str) {
        if sql.contains("conversations") {
            self.stored = None;
        }
    }

    /// `text` compared byte by byte (see [`super::Dialect::bytewise`]).
    fn bytewise(text: &str) -> String {
        format!("{text}{}", C::DIALECT.bytewise)
    }

    /// `text` with ASCII letters folded to lower case, compared byte by byte: SQLite's
    /// `NOCASE`, and what its `LIKE` ignores.
    fn nocase(text: &str) -> String {
        format!("lower({})", Self::bytewise(text))
    }

    fn rows<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        read: impl Fn(&dyn SqlRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let mut out = Vec::new();
        self.conn.query(sql, params, &mut |row| {
            out.push(read(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn first<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        read: impl Fn(&dyn SqlRow) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        Ok(self.rows(sql, params, read)?.into_iter().next())
    }

    /// The row a statement must return.
    fn one<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        read: impl Fn(&dyn SqlRow) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.first(sql, params, read)?
            .ok_or_else(|| StoreError::Database("query returned no rows".into()))
    }

    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> StoreResult<u64> {
        self.writes(sql);
        self.conn.execute(sql, params, None)
    }

    /// Execute; whether it changed a row.
    fn changed(&mut self, sql: &str, params: &[Value<'_>]) -> StoreResult<bool> {
        Ok(self.execute(sql, params)? > 0)
    }

    /// Execute an `UPDATE` (or an `INSERT` with an `ON CONFLICT` clause of its own), any
    /// constraint violation being [`StoreError::Duplicate`] of `what` (PostgreSQL runs it under
    /// a savepoint, so the job may go on).
    fn unique(&mut self, what: &'static str, sql: &str, params: &[Value<'_>]) -> StoreResult<u64> {
        self.writes(sql);
        self.conn.execute(sql, params, Some(what))
    }

    /// Execute a plain `INSERT`, a row that would break a uniqueness rule being
    /// [`StoreError::Duplicate`] of `what`. It is given `ON CONFLICT DO NOTHING`, which tells
    /// the duplicate without failing the statement: PostgreSQL then needs no savepoint around
    /// it (two round trips less), and the answer is certain even beside concurrent writers — a
    /// clash with a row this transaction cannot see yet ends in a serialisation failure (the job
    /// runs again), not in a duplicate.
    fn insert(&mut self, what: &'static str, sql: &str, params: &[Value<'_>]) -> StoreResult<u64> {
        self.writes(sql);
        let sql = format!("{sql} ON CONFLICT DO NOTHING");
        match self.conn.execute(&sql, params, None)? {
            0 => Err(StoreError::Duplicate { what }),
            inserted => Ok(inserted),
        }
    }

    /// Rows of `R` from its table, `rest` (`WHERE …`, `ORDER BY …`) applied.
    fn select<R: Record>(&mut self, rest: &str, params: &[Value<'_>]) -> StoreResult<Vec<R>> {
        self.rows(
            &format!("{} {rest}", rows::select::<R>()),
            params,
            rows::read,
        )
    }

    fn select_first<R: Record>(
        &mut self,
        rest: &str,
        params: &[Value<'_>],
    ) -> StoreResult<Option<R>> {
        Ok(self.select(rest, params)?.into_iter().next())
    }

    /// Insert a whole row (`then`: an `ON CONFLICT` clause, or nothing). With `unique`, a
    /// constraint violation is [`StoreError::Duplicate`] of that name.
    fn insert_row<R: Record>(&mut self, unique: Unique, row: &R, then: &str) -> StoreResult<()> {
        let values = rows::values(row)?;
        let sql = format!("{} {then}", rows::insert::<R>());
        match unique {
            Some(what) if then.is_empty() => self.insert(what, sql.trim_end(), &values)?,
            Some(what) => self.unique(what, &sql, &values)?,
            None => self.execute(&sql, &values)?,
        };
        Ok(())
    }

    /// The rows of `sql` for every id of `ids`: `sql` says `{ids}` where a list of them goes,
    /// `$n` after `fixed`'s parameters. The ids go at most [`ID_LIST`] to a statement, each
    /// list filled up with its last id (`IN` counts it once) to the next of a few lengths
    /// ([`id_list_length`]), so the statement reads one of a few ways and each is prepared
    /// once — and a set of one binds one id, not a hundred.
    fn rows_for_ids<T>(
        &mut self,
        sql: &str,
        fixed: &[Value<'_>],
        ids: &[Uuid],
        read: impl Fn(&dyn SqlRow) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let first = fixed.len() + 1;
        let mut out = Vec::new();
        for chunk in ids.chunks(ID_LIST) {
            let length = id_list_length(chunk.len());
            // One text per first placeholder and length (a length is at most `ID_LIST`).
            let list = kept_text::<()>("ids", first * (ID_LIST + 1) + length, || {
                rows::placeholders(first, length)
            });
            let mut params = fixed.to_vec();
            let last = chunk[chunk.len() - 1];
            let filled = chunk.iter().copied().chain(std::iter::repeat(last));
            params.extend(filled.take(length).map(Value::Uuid));
            out.extend(self.rows(&sql.replace("{ids}", &list), &params, &read)?);
        }
        Ok(out)
    }

    fn with_members(&mut self, queue: Option<QueueRow>) -> StoreResult<Option<QueueRow>> {
        let Some(mut queue) = queue else {
            return Ok(None);
        };
        queue.members = self.rows(
            "SELECT agent_id FROM queue_members WHERE queue_id = $1 ORDER BY position",
            params![&queue.id],
            rows::id("queue_members"),
        )?;
        Ok(Some(queue))
    }

    /// Contacts found by `rest`, each with its identities.
    fn contacts(&mut self, rest: &str, params: &[Value<'_>]) -> StoreResult<Vec<ContactRow>> {
        let mut found: Vec<ContactRow> = self.select(rest, params)?;
        for contact in &mut found {
            contact.identities = self.rows(
                "SELECT kind, value FROM contact_identities WHERE contact_id = $1
                 ORDER BY position",
                params![contact.id],
                rows::identity,
            )?;
        }
        Ok(found)
    }

    /// Write a contact's identities and phones (after its row).
    fn write_contact_children(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.execute(
            "DELETE FROM contact_identities WHERE contact_id = $1",
            params![row.id],
        )?;
        self.execute(
            "DELETE FROM contact_phones WHERE contact_id = $1",
            params![row.id],
        )?;
        for (position, identity) in row.identities.iter().enumerate() {
            self.insert(
                "contact identity",
                "INSERT INTO contact_identities (contact_id, kind, value, position)
                 VALUES ($1, $2, $3, $4)",
                params![
                    row.id,
                    identity.kind.as_str(),
                    &identity.value,
                    position as i64
                ],
            )?;
        }
        for phone in &row.phones {
            self.execute(
                "INSERT INTO contact_phones (contact_id, e164) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                params![row.id, phone],
            )?;
        }
        Ok(())
    }
}

/// Ids in one statement of the reads of a set ([`SqlTx::rows_for_ids`]): a list page of a
/// thousand conversations takes ten.
const ID_LIST: usize = 100;

/// The length a list of `count` ids (at most [`ID_LIST`]) is filled up to: the next power of
/// two, or `ID_LIST`. Binding a hundred ids for one (a queue's member, a new chat's viewers)
/// was a fifth of the SQLite writer's time on new conversations.
fn id_list_length(count: usize) -> usize {
    count.next_power_of_two().min(ID_LIST)
}

/// Later than any stored time: a list without a cursor starts at the newest.
fn end_of_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap()
}

impl<C: Conn> Tx for SqlTx<C> {
    // ----- agents and sessions -----

    fn upsert_agent(&mut self, agent: &AgentRow) -> StoreResult<AgentRow> {
        self.unique(
            "agent e-mail",
            "INSERT INTO agents
                (id, extension, name, email, role, password_hash, presence, disabled_at,
                 provisioned, must_change_password)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (extension) DO UPDATE SET
                name = excluded.name, email = excluded.email, role = excluded.role,
                password_hash = excluded.password_hash, disabled_at = excluded.disabled_at,
                provisioned = excluded.provisioned,
                must_change_password = excluded.must_change_password",
            params![
                agent.id,
                &agent.extension,
                &agent.name,
                &agent.email,
                agent.role.as_str(),
                &agent.password_hash,
                agent.presence.as_str(),
                agent.disabled_at,
                agent.provisioned,
                agent.must_change_password,
            ],
        )?;
        self.agent_by_extension(&agent.extension)?
            .ok_or_else(|| StoreError::Database("agent vanished after upsert".into()))
    }

    fn agent(&mut self, id: Uuid) -> StoreResult<Option<AgentRow>> {
        self.select_first("WHERE a.id = $1", params![id])
    }

    fn agent_by_extension(&mut self, extension: &str) -> StoreResult<Option<AgentRow>> {
        self.select_first("WHERE a.extension = $1", params![extension])
    }

    fn agent_by_login(&mut self, login: &str) -> StoreResult<Option<AgentRow>> {
        match self.agent_by_extension(login)? {
            Some(agent) => Ok(Some(agent)),
            None => self.select_first("WHERE a.email = $1", params![&login.to_lowercase()]),
        }
    }

    fn agents(&mut self) -> StoreResult<Vec<AgentRow>> {
        let order = format!("ORDER BY {}", Self::bytewise("a.extension"));
        self.select(&order, &[])
    }

    fn set_presence(&mut self, id: Uuid, presence: Presence) -> StoreResult<()> {
        self.execute(
            "UPDATE agents SET presence = $2 WHERE id = $1",
            params![id, presence.as_str()],
        )?;
        Ok(())
    }

    fn set_last_assigned(&mut self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        self.execute(
            "UPDATE agents SET last_assigned_at = $2 WHERE id = $1",
            params![id, at],
        )?;
        Ok(())
    }

    fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()> {
        self.insert_row(Some("session"), session, "")
    }

    fn session_agent(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AgentRow>> {
        let sql = format!(
            "SELECT {} FROM sessions s JOIN agents a ON a.id = s.agent_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
               AND a.disabled_at IS NULL",
            columns::<AgentRow>()
        );
        self.first(&sql, params![token_hash, now], rows::read)
    }

    fn revoke_session(&mut self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        self.changed(
            "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            params![token_hash, now],
        )
    }

    fn revoke_agent_sessions(&mut self, agent: Uuid, now: DateTime<Utc>) -> StoreResult<u64> {
        self.execute(
            "UPDATE sessions SET revoked_at = $2
             WHERE agent_id = $1 AND revoked_at IS NULL AND expires_at > $2",
            params![agent, now],
        )
    }

    fn revoke_other_sessions(
        &mut self,
        agent: Uuid,
        keep: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.execute(
            "UPDATE sessions SET revoked_at = $2
             WHERE agent_id = $1 AND token_hash <> $3 AND revoked_at IS NULL AND expires_at > $2",
            params![agent, now, keep],
        )
    }

    fn session(&mut self, token_hash: &str) -> StoreResult<Option<SessionRow>> {
        self.select_first("WHERE s.token_hash = $1", params![token_hash])
    }

    fn prune_sessions(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.execute(
            "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1",
            params![before],
        )
    }

    fn rename_agent(&mut self, id: Uuid, extension: &str) -> StoreResult<()> {
        self.unique(
            "agent extension",
            "UPDATE agents SET extension = $2 WHERE id = $1",
            params![id, extension],
        )?;
        Ok(())
    }

    fn set_agent_disabled(&mut self, id: Uuid, at: Option<DateTime<Utc>>) -> StoreResult<()> {
        self.execute(
            "UPDATE agents SET disabled_at = $2 WHERE id = $1",
            params![id, at],
        )?;
        Ok(())
    }

    fn logged_in_agents(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
        self.rows(
            "SELECT DISTINCT agent_id FROM sessions WHERE revoked_at IS NULL AND expires_at > $1",
            params![now],
            rows::id("sessions"),
        )
    }

    fn logged_in_among(&mut self, agents: &[Uuid], now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
        self.rows_for_ids(
            "SELECT DISTINCT agent_id FROM sessions
             WHERE agent_id IN ({ids}) AND revoked_at IS NULL AND expires_at > $1",
            params![now],
            agents,
            rows::id("sessions"),
        )
    }

    // ----- administration -----

    fn insert_audit(&mut self, entry: &AuditRow) -> StoreResult<()> {
        self.insert_row(None, entry, "")
    }

    fn audit_entries(
        &mut self,
        filter: &AuditFilter,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<AuditRow>> {
        let action = filter.action.as_deref().map(prefix_pattern);
        let mut params: Vec<Value<'_>> = vec![limit.into()];
        let mut sql = "WHERE TRUE".to_string();
        if let Some(id) = before {
            params.push(id.into());
            sql.push_str(&format!(" AND au.id < ${}", params.len()));
        }
        if let Some(action) = &action {
            params.push(action.as_str().into());
            sql.push_str(&format!(
                " AND au.action LIKE ${} ESCAPE '\\'",
                params.len()
            ));
        }
        if let Some(target) = &filter.target {
            params.push(target.as_str().into());
            sql.push_str(&format!(" AND au.target = ${}", params.len()));
        }
        if let Some(actor) = filter.actor {
            params.push(actor.into());
            sql.push_str(&format!(" AND au.actor_id = ${}", params.len()));
        }
        sql.push_str(" ORDER BY au.id DESC LIMIT $1");
        self.select(&sql, &params)
    }

    // ----- configuration -----

    fn upsert_queue(&mut self, queue: &QueueRow) -> StoreResult<()> {
        self.execute(
            "INSERT INTO queues
                (id, name, strategy, offer_timeout_s, max_chats_per_agent, provisioned)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                strategy = excluded.strategy, offer_timeout_s = excluded.offer_timeout_s,
                max_chats_per_agent = excluded.max_chats_per_agent,
                provisioned = excluded.provisioned",
            params![
                &queue.id,
                &queue.name,
                queue.strategy.as_str(),
                queue.offer_timeout_s,
                queue.max_chats_per_agent,
                queue.provisioned,
            ],
        )?;
        self.execute(
            "DELETE FROM queue_members WHERE queue_id = $1",
            params![&queue.id],
        )?;
        for (position, agent) in queue.members.iter().enumerate() {
            self.insert(
                "queue member",
                "INSERT INTO queue_members (queue_id, agent_id, position) VALUES ($1, $2, $3)",
                params![&queue.id, *agent, position as i64],
            )?;
        }
        Ok(())
    }

    fn queue(&mut self, id: &str) -> StoreResult<Option<QueueRow>> {
        let queue = self.select_first("WHERE id = $1", params![id])?;
        self.with_members(queue)
    }

    fn queues(&mut self) -> StoreResult<Vec<QueueRow>> {
        let rest = format!("ORDER BY {}", Self::bytewise("id"));
        let queues: Vec<QueueRow> = self.select(&rest, params![])?;
        let mut out = Vec::with_capacity(queues.len());
        for queue in queues {
            out.extend(self.with_members(Some(queue))?);
        }
        Ok(out)
    }

    fn delete_queue(&mut self, id: &str) -> StoreResult<()> {
        self.execute("DELETE FROM queue_members WHERE queue_id = $1", params![id])?;
        self.execute("DELETE FROM queues WHERE id = $1", params![id])?;
        Ok(())
    }

    fn channels_routed_to(&mut self, queue: &str) -> StoreResult<Vec<String>> {
        let sql = format!(
            "SELECT id FROM channels WHERE route_queue = $1 ORDER BY {}",
            Self::bytewise("id")
        );
        self.rows(&sql, params![queue], |r| {
            super::Cols::new(r, "channels").text(0)
        })
    }

    fn queues_of_agent(&mut self, agent: Uuid) -> StoreResult<Vec<QueueRow>> {
        let sql = format!(
            "SELECT queue_id FROM queue_members WHERE agent_id = $1 ORDER BY {}",
            Self::bytewise("queue_id")
        );
        let ids = self.rows(&sql, params![agent], |r| {
            super::Cols::new(r, "queue_members").text(0)
        })?;
        let mut queues = Vec::with_capacity(ids.len());
        for id in ids {
            queues.extend(self.queue(&id)?);
        }
        Ok(queues)
    }

    fn set_last_round_robin(&mut self, queue: &str, agent: Uuid) -> StoreResult<()> {
        self.execute(
            "UPDATE queues SET last_round_robin = $2 WHERE id = $1",
            params![queue, agent],
        )?;
        Ok(())
    }

    fn upsert_channel(&mut self, channel: &ChannelRow) -> StoreResult<()> {
        let then = "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
            route_queue = excluded.route_queue, route_extension = excluded.route_extension,
            settings = excluded.settings, enabled = excluded.enabled,
            provisioned = excluded.provisioned, human_agent_tag = excluded.human_agent_tag";
        self.insert_row(None, channel, then)
    }

    fn channel(&mut self, id: &str) -> StoreResult<Option<ChannelRow>> {
        self.select_first("WHERE id = $1", params![id])
    }

    fn replace_whatsapp_templates(
        &mut self,
        channel: &str,
        templates: &[WhatsAppTemplateRow],
    ) -> StoreResult<()> {
        self.execute(
            "DELETE FROM whatsapp_templates WHERE channel_id = $1",
            params![channel],
        )?;
        for template in templates {
            self.insert_row(None, template, "")?;
        }
        Ok(())
    }

    fn whatsapp_templates(&mut self, channel: &str) -> StoreResult<Vec<WhatsAppTemplateRow>> {
        let rest = format!(
            "WHERE channel_id = $1 ORDER BY {}, {}",
            Self::bytewise("name"),
            Self::bytewise("language")
        );
        self.select(&rest, params![channel])
    }

    fn add_sms_opt_out(&mut self, opt_out: &SmsOptOutRow) -> StoreResult<()> {
        self.insert_row(
            None,
            opt_out,
            "ON CONFLICT (channel_id, address) DO NOTHING",
        )
    }

    fn remove_sms_opt_out(&mut self, channel: &str, address: &str) -> StoreResult<bool> {
        let removed = self.execute(
            "DELETE FROM sms_opt_outs WHERE channel_id = $1 AND address = $2",
            params![channel, address],
        )?;
        Ok(removed > 0)
    }

    fn sms_opt_out(&mut self, channel: &str, address: &str) -> StoreResult<Option<SmsOptOutRow>> {
        self.select_first(
            "WHERE channel_id = $1 AND address = $2",
            params![channel, address],
        )
    }

    fn channels(&mut self) -> StoreResult<Vec<ChannelRow>> {
        let rest = format!("ORDER BY {}", Self::bytewise("id"));
        self.select(&rest, params![])
    }

    // ----- conversations -----

    fn conversation(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>> {
        if let Some(known) = self.known(id) {
            return Ok(Some(known));
        }
        let row = self.select_first("WHERE c.id = $1", params![id])?;
        Ok(self.held(row, false))
    }

    fn conversation_for_update(&mut self, id: Uuid) -> StoreResult<Option<ConversationRow>> {
        // A row this transaction wrote or holds is locked already (SQLite: by its one writer).
        if let Some(known) = self.known(id) {
            return Ok(Some(known));
        }
        // Concurrent writers of the row wait for this transaction (and then retry, being
        // serialisable); SQLite's one writer holds its lock for the whole transaction anyway.
        let rest = format!("WHERE c.id = $1{}", C::DIALECT.for_update);
        let row = self.select_first(&rest, params![id])?;
        Ok(self.held(row, true))
    }

    fn open_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>> {
        let row = self.select_first(
            "WHERE c.channel_id = $1 AND c.identity_value = $2 AND c.status <> 'resolved'
             ORDER BY c.created_at DESC LIMIT 1",
            params![channel_id, identity_value],
        )?;
        Ok(self.held(row, false))
    }

    fn insert_conversation(&mut self, row: &ConversationRow) -> StoreResult<()> {
        self.insert_row(Some("conversation"), row, "")?;
        self.stored = Some(row.clone());
        Ok(())
    }

    fn update_conversation(&mut self, row: &ConversationRow) -> StoreResult<()> {
        let values = rows::values(row)?;
        let known = self.stored.take().filter(|stored| stored.id == row.id);
        let stored = known.as_ref().map(rows::values).transpose()?;
        // The id, then each column that changed (all of them when the stored row is not
        // known): `SET status = $2, updated_at = $3`.
        let mut set = Vec::new();
        let mut params = vec![values[0].clone()];
        for (i, column) in rows::names::<ConversationRow>().enumerate().skip(1) {
            if stored.as_ref().is_none_or(|stored| stored[i] != values[i]) {
                params.push(values[i].clone());
                set.push(format!("{column} = ${}", params.len()));
            }
        }
        if !set.is_empty() {
            let sql = format!("UPDATE conversations SET {} WHERE id = $1", set.join(", "));
            self.conn.execute(&sql, &params, None)?;
        }
        self.stored = Some(row.clone());
        Ok(())
    }

    fn claim_conversation(
        &mut self,
        id: Uuid,
        agent: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.changed(
            "UPDATE conversations SET owner_id = $2, status = 'open', offer_expires_at = NULL,
                answered_at = $3, updated_at = $3
             WHERE id = $1 AND owner_id IS NULL AND status = 'queued'",
            params![id, agent, now],
        )
    }

    fn expired_offers(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Uuid>> {
        self.rows(
            "SELECT id FROM conversations
             WHERE offer_expires_at IS NOT NULL AND offer_expires_at <= $1 AND status = 'queued'
             ORDER BY offer_expires_at LIMIT $2",
            params![now, limit],
            rows::id("conversations"),
        )
    }

    fn queued_in(&mut self, queue_id: &str) -> StoreResult<Vec<Uuid>> {
        self.rows(
            "SELECT id FROM conversations WHERE queue_id = $1 AND status = 'queued'
             ORDER BY created_at",
            params![queue_id],
            rows::id("conversations"),
        )
    }

    fn open_owned_count(&mut self, agent: Uuid) -> StoreResult<u32> {
        self.one(
            "SELECT COUNT(*) FROM conversations
             WHERE owner_id = $1 AND status = 'open' AND channel_kind <> 'internal'",
            params![agent],
            rows::count,
        )
    }

    fn open_owned(&mut self, agent: Uuid) -> StoreResult<Vec<Uuid>> {
        self.rows(
            "SELECT id FROM conversations
             WHERE owner_id = $1 AND status = 'open' AND channel_kind <> 'internal'
             ORDER BY created_at, id",
            params![agent],
            rows::id("conversations"),
        )
    }

    fn answered_count(
        &mut self,
        agent: Uuid,
        queue_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u32> {
        self.one(
            "SELECT COUNT(*) FROM conversations
             WHERE owner_id = $1 AND queue_id = $2 AND answered_at >= $3",
            params![agent, queue_id, since],
            rows::count,
        )
    }

    // ----- per-agent views -----

    fn view(&mut self, conversation: Uuid, agent: Uuid) -> StoreResult<Option<ViewRow>> {
        let rest = "WHERE v.conversation_id = $1 AND v.agent_id = $2";
        self.select_first(rest, params![conversation, agent])
    }

    fn views(&mut self, conversation: Uuid) -> StoreResult<Vec<ViewRow>> {
        let rest = "WHERE v.conversation_id = $1 ORDER BY v.agent_id";
        self.select(rest, params![conversation])
    }

    fn upsert_view(&mut self, view: &ViewRow) -> StoreResult<()> {
        let then = "ON CONFLICT (conversation_id, agent_id) DO UPDATE SET
            relation = excluded.relation, archived = excluded.archived,
            deleted = excluded.deleted, last_read_seq = excluded.last_read_seq,
            updated_at = excluded.updated_at";
        self.insert_row(None, view, then)
    }

    fn list_views(
        &mut self,
        agent: Uuid,
        list: ListView,
        after: Option<&ListCursor>,
        limit: u32,
    ) -> StoreResult<Vec<(ConversationRow, ViewRow)>> {
        let archived = list == ListView::Archived;
        let (after_time, after_id) = match after {
            Some(cursor) => (cursor.updated_at, cursor.conversation_id),
            None => (end_of_time(), Uuid::nil()),
        };
        let sql = format!(
            "SELECT {}, {}
             FROM conversation_views v JOIN conversations c ON c.id = v.conversation_id
             WHERE v.agent_id = $1 AND v.archived = $2 AND NOT v.deleted
               AND v.relation <> 'former'
               AND (c.updated_at < $3 OR (c.updated_at = $3 AND c.id < $4))
             ORDER BY c.updated_at DESC, c.id DESC LIMIT $5",
            columns::<ConversationRow>(),
            columns::<ViewRow>()
        );
        let params = params![agent, archived, after_time, after_id, limit];
        self.rows(&sql, params, |row| {
            let at = &mut 0;
            Ok((ConversationRow::read(row, at)?, ViewRow::read(row, at)?))
        })
    }

    // ----- messages -----

    fn insert_message(&mut self, row: &MessageRow) -> StoreResult<()> {
        self.insert_row(Some("message"), row, "")
    }

    fn message(&mut self, id: Uuid) -> StoreResult<Option<MessageRow>> {
        self.select_first("WHERE id = $1", params![id])
    }

    fn message_by_client_id(
        &mut self,
        author: Uuid,
        client_id: Uuid,
    ) -> StoreResult<Option<MessageRow>> {
        let rest = "WHERE author_agent_id = $1 AND client_id = $2";
        self.select_first(rest, params![author, client_id])
    }

    fn message_by_provider_id(
        &mut self,
        channel_id: &str,
        provider_id: &str,
    ) -> StoreResult<Option<MessageRow>> {
        let rest = "WHERE channel_id = $1 AND provider_message_id = $2";
        self.select_first(rest, params![channel_id, provider_id])
    }

    fn messages_before(
        &mut self,
        conversation: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>> {
        let rest = "WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3";
        let params = params![conversation, before.unwrap_or(i64::MAX), limit];
        let mut messages = self.select(rest, params)?;
        messages.reverse();
        Ok(messages)
    }

    fn messages_after(
        &mut self,
        conversation: Uuid,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>> {
        let rest = "WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
        self.select(rest, params![conversation, after, limit])
    }

    fn history_after(
        &mut self,
        agent: Uuid,
        after: HistoryKey,
        limit: u32,
    ) -> StoreResult<Vec<MessageRow>> {
        // Walks the agent's views in conversation order (`views_by_agent_conversation`) and
        // each conversation's messages by (conversation_id, seq): no sort beyond one
        // conversation's messages, however many the agent sees.
        let rest = "JOIN conversation_views v ON v.conversation_id = m.conversation_id
             WHERE v.agent_id = $1 AND NOT v.deleted AND v.relation <> 'former'
               AND v.conversation_id >= $2
               AND (v.conversation_id > $2 OR m.seq > $3)
             ORDER BY v.conversation_id, m.seq LIMIT $4";
        let params = params![agent, after.conversation_id, after.seq, limit];
        self.select(rest, params)
    }

    fn replies_after(
        &mut self,
        conversation: Uuid,
        after_seq: i64,
    ) -> StoreResult<Vec<(Uuid, u32)>> {
        self.rows(
            "SELECT author_agent_id, COUNT(*) FROM messages
             WHERE conversation_id = $1 AND seq > $2 AND author_agent_id IS NOT NULL
             GROUP BY author_agent_id",
            params![conversation, after_seq],
            |row| Ok((rows::id("messages")(row)?, rows::count_at(row, 1)?)),
        )
    }

    fn unread_count(
        &mut self,
        conversation: Uuid,
        agent: Uuid,
        after_seq: i64,
    ) -> StoreResult<u32> {
        self.one(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND seq > $3
               AND (author_agent_id IS NULL OR author_agent_id <> $2)",
            params![conversation, agent, after_seq],
            rows::count,
        )
    }

    // ----- a page of conversations at once -----

    fn messages_by_id(&mut self, ids: &[Uuid]) -> StoreResult<Vec<MessageRow>> {
        let sql = format!("{} WHERE m.id IN ({{ids}})", rows::select::<MessageRow>());
        self.rows_for_ids(&sql, &[], ids, rows::read)
    }

    fn own_replies_after_read(
        &mut self,
        agent: Uuid,
        conversations: &[Uuid],
    ) -> StoreResult<Vec<(Uuid, u32)>> {
        // `author_agent_id = $1` implies the partial index's condition, so the index of
        // agents' messages (`messages_by_agent_author`) serves the join — customers' messages
        // are never read (SQLite's plan checked with EXPLAIN QUERY PLAN).
        let sql = "SELECT v.conversation_id, COUNT(*)
             FROM conversation_views v JOIN messages m
               ON m.conversation_id = v.conversation_id AND m.seq > v.last_read_seq
             WHERE v.agent_id = $1 AND v.conversation_id IN ({ids})
               AND m.author_agent_id = $1
             GROUP BY v.conversation_id";
        self.rows_for_ids(sql, params![agent], conversations, |row| {
            Ok((
                rows::id("conversation_views")(row)?,
                rows::count_at(row, 1)?,
            ))
        })
    }

    fn agents_by_id(&mut self, ids: &[Uuid]) -> StoreResult<Vec<AgentRow>> {
        let sql = format!("{} WHERE a.id IN ({{ids}})", rows::select::<AgentRow>());
        self.rows_for_ids(&sql, &[], ids, rows::read)
    }

    fn open_owned_counts(&mut self, agents: &[Uuid]) -> StoreResult<Vec<(Uuid, u32)>> {
        let sql = "SELECT owner_id, COUNT(*) FROM conversations
             WHERE owner_id IN ({ids}) AND status = 'open' AND channel_kind <> 'internal'
             GROUP BY owner_id";
        self.rows_for_ids(sql, &[], agents, |row| {
            Ok((rows::id("conversations")(row)?, rows::count_at(row, 1)?))
        })
    }

    fn participants(&mut self, conversations: &[Uuid]) -> StoreResult<Vec<(Uuid, AgentRow)>> {
        let sql = format!(
            "SELECT v.conversation_id, {}
             FROM conversation_views v JOIN agents a ON a.id = v.agent_id
             WHERE v.relation = $1 AND v.conversation_id IN ({{ids}})",
            columns::<AgentRow>()
        );
        let params = params![Relation::Participant.as_str()];
        self.rows_for_ids(&sql, params, conversations, |row| {
            let conversation = rows::id("conversation_views")(row)?;
            Ok((conversation, AgentRow::read(row, &mut 1)?))
        })
    }

    // ----- events -----

    fn append_events(
        &mut self,
        events: &[(Uuid, EventRow)],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        // Each agent's cursor moves once by its number of events; its events take the cursors
        // up to the new head, in order. Agents in id order, so concurrent batches on
        // PostgreSQL lock their rows in the same order.
        let mut heads: std::collections::BTreeMap<Uuid, i64> = Default::default();
        for (agent, _) in events {
            *heads.entry(*agent).or_default() += 1;
        }
        for (agent, count) in &mut heads {
            let head = self.one(
                "UPDATE agents SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq",
                params![*agent, *count],
                |r| super::Cols::new(r, "agents").int(0),
            )?;
            *count = head - *count; // the cursor before this batch
        }
        let mut seqs = Vec::with_capacity(events.len());
        for (agent, _) in events {
            let last = heads
                .get_mut(agent)
                .expect("every agent of the batch has a head");
            *last += 1;
            seqs.push(*last);
        }
        // The agent and the time, then the event's own columns with its new cursor. Rows go
        // in statements of a power of two rows, so a few statement texts serve every batch.
        let mut at = 0;
        while at < events.len() {
            let size = 1 << (events.len() - at).min(EVENTS_PER_INSERT).ilog2();
            let (chunk, seqs) = (&events[at..at + size], &seqs[at..at + size]);
            at += size;
            let stored: Vec<EventRow> = chunk
                .iter()
                .zip(seqs)
                .map(|((_, event), seq)| EventRow {
                    seq: *seq,
                    ..event.clone()
                })
                .collect();
            let mut values = Vec::with_capacity(chunk.len() * 6);
            for ((agent, _), row) in chunk.iter().zip(&stored) {
                values.push((*agent).into());
                values.push(now.into());
                row.write(&mut values)?;
            }
            let sql = kept_text::<()>("events", size, || {
                let rows: Vec<String> = (0..size)
                    .map(|i| format!("({})", rows::placeholders(i * 6 + 1, 6)))
                    .collect();
                format!(
                    "INSERT INTO events (agent_id, created_at, seq, kind, object_id, data) VALUES {}",
                    rows.join(", ")
                )
            });
            self.execute(&sql, &values)?;
        }
        Ok(seqs)
    }

    fn events_after(&mut self, agent: Uuid, cursor: i64, limit: u32) -> StoreResult<Vec<EventRow>> {
        let rest = "WHERE agent_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
        self.select(rest, params![agent, cursor, limit])
    }

    fn event_bounds(&mut self, agent: Uuid) -> StoreResult<(i64, i64)> {
        self.one(
            "SELECT event_floor, event_seq FROM agents WHERE id = $1",
            params![agent],
            |row| {
                let r = super::Cols::new(row, "agents");
                Ok((r.int(0)?, r.int(1)?))
            },
        )
    }

    fn prune_events(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        // Each agent's floor becomes the newest cursor that is gone.
        let sql = format!(
            "UPDATE agents SET event_floor = {}(event_floor, (
                SELECT MAX(seq) FROM events e WHERE e.agent_id = agents.id AND e.created_at < $1))
             WHERE EXISTS (SELECT 1 FROM events e WHERE e.agent_id = agents.id AND e.created_at < $1)",
            C::DIALECT.greatest
        );
        self.execute(&sql, params![before])?;
        self.execute("DELETE FROM events WHERE created_at < $1", params![before])
    }

    // ----- contacts -----

    fn insert_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        self.insert_row(Some("contact"), row, "")?;
        self.write_contact_children(row)
    }

    fn update_contact(&mut self, row: &ContactRow) -> StoreResult<()> {
        let params: [Value<'_>; 6] = [
            row.id.into(),
            (&row.name).into(),
            Value::json(&row.emails)?,
            Value::json(&row.phones)?,
            (&row.search_text).into(),
            row.updated_at.into(),
        ];
        self.execute(
            "UPDATE contacts SET name = $2, emails = $3, phones = $4, search_text = $5,
                updated_at = $6 WHERE id = $1",
            &params,
        )?;
        self.write_contact_children(row)
    }

    fn delete_contact(&mut self, id: Uuid) -> StoreResult<bool> {
        self.execute(
            "UPDATE conversations SET contact_id = NULL WHERE contact_id = $1",
            params![id],
        )?;
        self.changed("DELETE FROM contacts WHERE id = $1", params![id])
    }

    fn contact(&mut self, id: Uuid) -> StoreResult<Option<ContactRow>> {
        Ok(self.contacts("WHERE id = $1", params![id])?.pop())
    }

    fn search_contacts(
        &mut self,
        terms: &[String],
        after: Option<&ContactCursor>,
        limit: u32,
    ) -> StoreResult<Vec<ContactRow>> {
        // LIKE in SQLite ignores the case of ASCII letters only; so does lower() on text
        // compared byte by byte, on both backends.
        let patterns: Vec<String> = terms
            .iter()
            .map(|t| contains_pattern(t).to_ascii_lowercase())
            .collect();
        let mut params: Vec<Value<'_>> = vec![limit.into()];
        let mut sql = "WHERE TRUE".to_string();
        if !patterns.is_empty() {
            let search_text = Self::nocase("search_text");
            let clauses: Vec<String> = patterns
                .iter()
                .map(|pattern| {
                    params.push(pattern.as_str().into());
                    format!("{search_text} LIKE ${} ESCAPE '\\'", params.len())
                })
                .collect();
            sql.push_str(&format!(" AND ({})", clauses.join(" OR ")));
        }
        let name = Self::nocase("name");
        if let Some(after) = after {
            params.push(after.name.as_str().into());
            params.push(after.id.into());
            let after_name = Self::nocase(&format!("CAST(${} AS TEXT)", params.len() - 1));
            let after_id = params.len();
            sql.push_str(&format!(
                " AND ({name} > {after_name} OR ({name} = {after_name} AND id > ${after_id}))"
            ));
        }
        sql.push_str(&format!(" ORDER BY {name}, id LIMIT $1"));
        self.contacts(&sql, &params)
    }

    fn contact_by_identity(&mut self, identity: &Identity) -> StoreResult<Option<ContactRow>> {
        let id = self.first(
            "SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2",
            params![identity.kind.as_str(), &identity.value],
            rows::id("contact_identities"),
        )?;
        match id {
            Some(id) => self.contact(id),
            None => Ok(None),
        }
    }

    fn contact_by_phone(&mut self, e164: &str) -> StoreResult<Option<ContactRow>> {
        let rest = "WHERE id IN (SELECT contact_id FROM contact_phones WHERE e164 = $1)
            ORDER BY created_at LIMIT 1";
        Ok(self.contacts(rest, params![e164])?.pop())
    }

    fn conversations_with_identity(
        &mut self,
        identity: &Identity,
    ) -> StoreResult<Vec<ConversationRow>> {
        let rest = "WHERE c.identity_kind = $1 AND c.identity_value = $2 ORDER BY c.created_at";
        self.select(rest, params![identity.kind.as_str(), &identity.value])
    }

    fn conversations_of_contact(&mut self, contact: Uuid) -> StoreResult<Vec<ConversationRow>> {
        let rest = "WHERE c.contact_id = $1 ORDER BY c.created_at DESC, c.id DESC";
        self.select(rest, params![contact])
    }

    fn message_count(&mut self, conversation: Uuid) -> StoreResult<u32> {
        self.one(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1",
            params![conversation],
            rows::count,
        )
    }

    fn ping(&mut self) -> StoreResult<()> {
        self.one("SELECT CAST(1 AS BIGINT)", params![], rows::count)
            .map(|_| ())
    }

    // ----- templates -----

    fn templates(&mut self) -> StoreResult<Vec<TemplateRow>> {
        let order = format!("ORDER BY {}, id", Self::bytewise("name"));
        self.select(&order, &[])
    }

    fn template(&mut self, id: Uuid) -> StoreResult<Option<TemplateRow>> {
        self.select_first("WHERE id = $1", params![id])
    }

    fn upsert_template(&mut self, row: &TemplateRow) -> StoreResult<()> {
        let then = "ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body,
            category = excluded.category, language = excluded.language,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at";
        self.insert_row(None, row, then)
    }

    fn delete_template(&mut self, id: Uuid) -> StoreResult<bool> {
        self.changed("DELETE FROM templates WHERE id = $1", params![id])
    }

    // ----- attachments -----

    fn insert_attachment(&mut self, row: &AttachmentRow) -> StoreResult<()> {
        self.insert_row(Some("attachment"), row, "")
    }

    fn attachment(&mut self, id: Uuid) -> StoreResult<Option<AttachmentRow>> {
        self.select_first("WHERE id = $1", params![id])
    }

    fn link_attachment(
        &mut self,
        id: Uuid,
        conversation: Uuid,
        message: Uuid,
    ) -> StoreResult<bool> {
        self.changed(
            "UPDATE attachments SET conversation_id = $2, message_id = $3
             WHERE id = $1 AND message_id IS NULL",
            params![id, conversation, message],
        )
    }

    fn visitor_uploads_since(&mut self, visitor: Uuid, since: DateTime<Utc>) -> StoreResult<u32> {
        self.one(
            "SELECT COUNT(*) FROM attachments WHERE visitor_id = $1 AND created_at >= $2",
            params![visitor, since],
            rows::count,
        )
    }

    fn delete_unsent_attachments(
        &mut self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<AttachmentRow>> {
        let stale: Vec<AttachmentRow> = self.select(
            "WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at, id LIMIT $2",
            params![before, limit],
        )?;
        let mut deleted = Vec::with_capacity(stale.len());
        for row in stale {
            if self.changed(
                "DELETE FROM attachments WHERE id = $1 AND message_id IS NULL",
                params![row.id],
            )? {
                deleted.push(row);
            }
        }
        Ok(deleted)
    }

    // ----- delivery -----

    fn enqueue_outbound(&mut self, job: &OutboundJob) -> StoreResult<()> {
        self.insert_row(Some("outbound job"), job, "")
    }

    fn due_outbound(&mut self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<OutboundJob>> {
        let rest = "WHERE o.state = 'queued' AND o.next_attempt_at <= $1
               AND NOT EXISTS (
                 SELECT 1 FROM outbound_jobs e
                 WHERE e.conversation_id = o.conversation_id
                   AND e.state IN ('queued', 'sending')
                   AND (e.created_at < o.created_at
                        OR (e.created_at = o.created_at AND e.message_id < o.message_id)))
             ORDER BY o.created_at, o.message_id LIMIT $2";
        self.select(rest, params![now, limit])
    }

    fn outbound_job(&mut self, message: Uuid) -> StoreResult<Option<OutboundJob>> {
        self.select_first("WHERE o.message_id = $1", params![message])
    }

    fn update_outbound(&mut self, job: &OutboundJob) -> StoreResult<()> {
        self.execute(
            "UPDATE outbound_jobs SET state = $2, attempts = $3, next_attempt_at = $4,
                last_error = $5 WHERE message_id = $1",
            params![
                job.message_id,
                job.state.as_str(),
                job.attempts,
                job.next_attempt_at,
                &job.last_error,
            ],
        )?;
        Ok(())
    }

    fn outbound_in_state(&mut self, state: OutboundState) -> StoreResult<Vec<OutboundJob>> {
        self.select(
            "WHERE state = $1 ORDER BY created_at",
            params![state.as_str()],
        )
    }

    fn set_message_delivery(
        &mut self,
        id: Uuid,
        status: MessageStatus,
        error: Option<&str>,
        provider_message_id: Option<&str>,
    ) -> StoreResult<()> {
        self.unique(
            "provider message id",
            "UPDATE messages SET status = $2, error = $3,
                provider_message_id = COALESCE($4, provider_message_id)
             WHERE id = $1",
            params![id, status.as_str(), error, provider_message_id],
        )?;
        Ok(())
    }

    // ----- live chat -----

    fn upsert_visitor(&mut self, v: &VisitorRow) -> StoreResult<()> {
        let then = "ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash,
            token_expires_at = excluded.token_expires_at, name = excluded.name,
            email = excluded.email, ip = excluded.ip, user_agent = excluded.user_agent,
            language = excluded.language, last_seen_at = excluded.last_seen_at";
        self.insert_row(Some("visitor token"), v, then)
    }

    fn visitor_by_token(
        &mut self,
        channel_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<VisitorRow>> {
        let rest = "WHERE channel_id = $1 AND token_hash = $2 AND token_expires_at > $3";
        self.select_first(rest, params![channel_id, token_hash, now])
    }

    fn visitor(&mut self, id: Uuid) -> StoreResult<Option<VisitorRow>> {
        self.select_first("WHERE id = $1", params![id])
    }

    fn latest_conversation_for(
        &mut self,
        channel_id: &str,
        identity_value: &str,
    ) -> StoreResult<Option<ConversationRow>> {
        self.select_first(
            "WHERE c.channel_id = $1 AND c.identity_value = $2
             ORDER BY c.created_at DESC, c.id DESC LIMIT 1",
            params![channel_id, identity_value],
        )
    }

    fn insert_block(&mut self, b: &BlockRow) -> StoreResult<()> {
        self.insert_row(Some("block"), b, "")
    }

    fn active_block(&mut self, ip: &str, now: DateTime<Utc>) -> StoreResult<Option<BlockRow>> {
        let rest = "WHERE ip = $1 AND (expires_at IS NULL OR expires_at > $2)
            ORDER BY created_at DESC LIMIT 1";
        self.select_first(rest, params![ip, now])
    }

    fn blocks(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<BlockRow>> {
        let rest = "WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at DESC";
        self.select(rest, params![now])
    }

    fn delete_block(&mut self, id: Uuid) -> StoreResult<bool> {
        self.changed("DELETE FROM blocks WHERE id = $1", params![id])
    }

    fn outbound_messages_until(
        &mut self,
        conversation: Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<MessageRow>> {
        let rest = "WHERE conversation_id = $1 AND direction = 'outbound' AND created_at <= $2
            ORDER BY seq";
        self.select(rest, params![conversation, until])
    }

    // ----- other nodes -----

    fn announce(&mut self, announcement: &Announcement) -> StoreResult<()> {
        self.conn.announce(announcement)
    }
}
