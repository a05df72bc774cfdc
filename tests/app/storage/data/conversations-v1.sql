-- A conversation database as schema version 1 of Causerie left it (user_version = 1):
-- the upgrade test opens a file built from this and checks nothing is lost.
-- The CREATE statements are exactly those of migrateTo1() in app/storage/migrations.cpp.
PRAGMA user_version = 1;
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    backend TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('streaming', 'done', 'error')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX conversations_by_activity ON conversations(pinned DESC, updated_at DESC);

INSERT INTO conversations VALUES
    (1, 'Trip to Lisbon', 1690000000000, 1690000300000, 0, 'local', 'mistral-7b-instruct-v0.2.Q4_K_M',
     '', '{"temperature":0.7}'),
    (2, 'Pinned: regex help', 1690100000000, 1690100200000, 1, 'remote', 'mistral-small-latest',
     'Answer with code only.', '{"temperature":0.2,"top_p":0.9}'),
    (3, 'Empty one', 1690200000000, 1690200000000, 0, 'local', '', '', '{}');

-- Conversation 1: the second answer was regenerated (messages 2 and 4 are siblings),
-- then the conversation went on from the newer one.
INSERT INTO messages VALUES
    (1, 1, NULL, 'user', 'What should I eat in Lisbon?', 'done', 1690000000000, 1690000000000),
    (2, 1, 1, 'assistant', 'Try pastel de nata and bacalhau.', 'done', 1690000001000, 1690000009000),
    (4, 1, 1, 'assistant', 'Pastéis de nata in Belém, grilled sardines in Alfama.', 'done',
     1690000100000, 1690000108000),
    (5, 1, 4, 'user', 'And to drink?', 'done', 1690000200000, 1690000200000),
    (6, 1, 5, 'assistant', 'Ginjinha, a cherry liqueur', 'streaming', 1690000201000, 1690000300000);
-- Conversation 2: a failed answer.
INSERT INTO messages VALUES
    (7, 2, NULL, 'system', 'Answer with code only.', 'done', 1690100000000, 1690100000000),
    (8, 2, 7, 'user', 'Match an ISO date', 'done', 1690100001000, 1690100001000),
    (9, 2, 8, 'assistant', '', 'error', 1690100002000, 1690100200000);
