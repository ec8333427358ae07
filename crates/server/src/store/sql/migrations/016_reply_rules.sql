-- Who may be written to, and for how long. A Messenger channel allowed Meta's HUMAN_AGENT tag
-- may answer up to 7 days after the customer's last message (24 hours otherwise). An SMS
-- number that texted a stop keyword (or that the carrier reports unsubscribed, Twilio 21610)
-- is sent nothing on that channel until it texts a start keyword. Types in double braces:
-- see `Dialect`.
ALTER TABLE channels ADD COLUMN human_agent_tag {{boolean}} NOT NULL DEFAULT FALSE;
CREATE TABLE sms_opt_outs (
    channel_id TEXT NOT NULL,
    address TEXT NOT NULL,
    opted_out_at {{timestamp}} NOT NULL,
    PRIMARY KEY (channel_id, address)
);
