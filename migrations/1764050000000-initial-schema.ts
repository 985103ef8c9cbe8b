import { MigrationInterface, QueryRunner } from 'typeorm';

/** The first schema: sessions and their turns, scores and conversions; models, runs, API keys. */
export class InitialSchema1764050000000 implements MigrationInterface {
  name = 'InitialSchema1764050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE model_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        parent_id uuid REFERENCES model_versions(id) ON DELETE SET NULL,
        artifact_path text NOT NULL,
        status text NOT NULL DEFAULT 'candidate'
          CHECK (status IN ('candidate', 'champion', 'retired', 'rejected')),
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        promoted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (status) WHERE status = 'champion'`);
    await q.query(`CREATE INDEX model_versions_created_at ON model_versions (created_at DESC)`);

    await q.query(`
      CREATE TABLE chat_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_key text NOT NULL,
        channel text NOT NULL DEFAULT 'widget' CHECK (channel IN ('widget', 'rasa', 'simulator')),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended', 'timed_out')),
        resume_token_hash text UNIQUE,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz
      )`);
    await q.query(`CREATE INDEX chat_sessions_site_created ON chat_sessions (site_key, created_at DESC)`);
    await q.query(`CREATE INDEX chat_sessions_active_activity ON chat_sessions (last_activity_at) WHERE status = 'active'`);

    await q.query(`
      CREATE TABLE turns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        index integer NOT NULL CHECK (index >= 0),
        role text NOT NULL CHECK (role IN ('visitor', 'agent', 'system')),
        text text NOT NULL,
        client_message_id text,
        model_version_id uuid REFERENCES model_versions(id) ON DELETE SET NULL,
        latency_ms integer,
        time_to_first_token_ms integer,
        prompt_tokens integer,
        completion_tokens integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT turns_session_index UNIQUE (session_id, index),
        CONSTRAINT turns_session_client_message UNIQUE (session_id, client_message_id)
      )`);
    await q.query(`CREATE INDEX turns_model_version ON turns (model_version_id)`);
    await q.query(`CREATE INDEX turns_created_at ON turns (created_at)`);

    await q.query(`
      CREATE TABLE turn_scores (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        turn_id uuid NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
        scorer text NOT NULL,
        scorer_version text NOT NULL,
        score double precision NOT NULL,
        evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT turn_scores_turn_scorer UNIQUE (turn_id, scorer, scorer_version)
      )`);
    await q.query(`CREATE INDEX turn_scores_scorer_created ON turn_scores (scorer, created_at)`);

    await q.query(`
      CREATE TABLE conversions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('widget', 'webhook', 'simulator')),
        external_id text,
        value double precision NOT NULL DEFAULT 0 CHECK (value >= 0),
        currency text,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT conversions_session_external UNIQUE (session_id, external_id)
      )`);
    await q.query(`CREATE INDEX conversions_session ON conversions (session_id)`);
    await q.query(`CREATE INDEX conversions_occurred_at ON conversions (occurred_at)`);

    await q.query(`
      CREATE TABLE training_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        trigger text NOT NULL,
        estimator text NOT NULL,
        base_model_version_id uuid REFERENCES model_versions(id) ON DELETE SET NULL,
        candidate_model_version_id uuid REFERENCES model_versions(id) ON DELETE SET NULL,
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX training_runs_status_created ON training_runs (status, created_at DESC)`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['api_keys', 'training_runs', 'conversions', 'turn_scores', 'turns', 'chat_sessions', 'model_versions']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
