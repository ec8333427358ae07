-- The agents' messages of each conversation in order (customers' messages have no author
-- agent and no entry): what an agent has not read is every message after their read mark
-- (the conversation's `last_seq` less the mark: seqs have no gaps) except their own, so a
-- live stream counts only the replies after the mark (`Tx::replies_after`).
CREATE INDEX messages_by_agent_author ON messages(conversation_id, seq)
    WHERE author_agent_id IS NOT NULL;
