import { MigrationInterface, QueryRunner } from 'typeorm';

/** What a visitor must type (whole phrase, any case) to ask for a person; request-shaped, so "am I talking to a real person?" is not one. */
const ASK_FOR_HUMAN_PHRASES = [
  'talk to a person',
  'talk to a human',
  'talk with a person',
  'talk with a human',
  'speak to a person',
  'speak to a human',
  'speak with a person',
  'speak with a human',
  'real person please',
  'real human please',
  'human please',
  'sales rep',
  'sales representative',
  'live agent',
  'someone from sales',
  'someone from your team',
];

/**
 * Live takeover (human handoff), docs/admin.md#handoff:
 * - `turns.role` gains `person` (a message an operator wrote while holding the session), with its
 *   author: the API key (kept if the key is revoked) and the display name the visitor saw. Readers
 *   that select `role = 'agent'` (training data, model metrics, scoring) leave person turns out.
 * - `handoffs`: one row per request or takeover of a session. At most one open (`waiting`: asked for
 *   by a rule, `active`: a person holds the session) per session; `released` (handed back) and
 *   `closed` (the session ended first) are history. In Postgres, so a restarted server, or another
 *   replica, knows who holds a session.
 * - `handoff_rules`: the data the automatic requests follow (the visitor asks for a person; the
 *   deal the visitor describes is worth at least `min_value`), seeded with one rule of each kind.
 */
export class LiveHandoff1764160000000 implements MigrationInterface {
  name = 'LiveHandoff1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE turns DROP CONSTRAINT turns_role_check`);
    await q.query(`ALTER TABLE turns ADD CONSTRAINT turns_role_check CHECK (role IN ('visitor', 'agent', 'system', 'person'))`);
    await q.query(`ALTER TABLE turns ADD COLUMN author_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE turns ADD COLUMN author_name text`);
    await q.query(`ALTER TABLE turns ADD CONSTRAINT turns_person_author CHECK ((role = 'person') = (author_name IS NOT NULL))`);

    await q.query(`
      CREATE TABLE handoffs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        state text NOT NULL CHECK (state IN ('waiting', 'active', 'released', 'closed')),
        reason text NOT NULL CHECK (reason IN ('visitor_request', 'deal_value', 'operator')),
        rule_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        requested_at timestamptz NOT NULL DEFAULT now(),
        taken_at timestamptz,
        taken_by_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL,
        taken_by_name text,
        ended_at timestamptz,
        ended_by_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL,
        ended_by_name text,
        CONSTRAINT handoffs_taken CHECK (state = 'closed' OR ((state = 'waiting') = (taken_at IS NULL))),
        CONSTRAINT handoffs_ended CHECK ((state IN ('released', 'closed')) = (ended_at IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX handoffs_one_open ON handoffs (session_id) WHERE state IN ('waiting', 'active')`);
    await q.query(`CREATE INDEX handoffs_open_requested ON handoffs (requested_at) WHERE state IN ('waiting', 'active')`);
    await q.query(`CREATE INDEX handoffs_session ON handoffs (session_id)`);

    await q.query(`
      CREATE TABLE handoff_rules (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('visitor_request', 'deal_value')),
        enabled boolean NOT NULL DEFAULT true,
        phrases text[],
        min_value double precision,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT handoff_rules_params CHECK (
          (kind = 'visitor_request' AND cardinality(phrases) > 0 AND min_value IS NULL)
          OR (kind = 'deal_value' AND min_value > 0 AND phrases IS NULL))
      )`);
    await q.query(`INSERT INTO handoff_rules (id, kind, phrases) VALUES ('visitor-asks-for-a-person', 'visitor_request', $1)`, [ASK_FOR_HUMAN_PHRASES]);
    // An annual contract worth 20,000 in the catalog currency: e.g. 35 seats of the default catalog's Growth plan.
    await q.query(`INSERT INTO handoff_rules (id, kind, min_value) VALUES ('large-deal', 'deal_value', 20000)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE handoff_rules`);
    await q.query(`DROP TABLE handoffs`);
    // A person's messages are kept as server-written turns: never as the agent's, which training and model metrics read.
    await q.query(`ALTER TABLE turns DROP CONSTRAINT turns_person_author`);
    await q.query(`UPDATE turns SET role = 'system' WHERE role = 'person'`);
    await q.query(`ALTER TABLE turns DROP COLUMN author_name`);
    await q.query(`ALTER TABLE turns DROP COLUMN author_key_id`);
    await q.query(`ALTER TABLE turns DROP CONSTRAINT turns_role_check`);
    await q.query(`ALTER TABLE turns ADD CONSTRAINT turns_role_check CHECK (role IN ('visitor', 'agent', 'system'))`);
  }
}
