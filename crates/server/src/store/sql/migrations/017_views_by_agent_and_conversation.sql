-- An agent's views in conversation order: the bulk history of a first full load
-- (`Tx::history_after`) walks them with each conversation's messages by (conversation_id,
-- seq). Without it SQLite reads every view of the agent and sorts all their messages for
-- each page.
CREATE INDEX views_by_agent_conversation ON conversation_views(agent_id, conversation_id);
