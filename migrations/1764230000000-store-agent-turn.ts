import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `store_agent_turn`: an agent reply and its scores stored in one round trip. It was a transaction
 * of eight statements (lock the session, read its status, read its handoffs, read the next index,
 * insert the turn, insert the scores, begin, commit): most of a turn's database work. A function,
 * not one statement with CTEs: in PL/pgSQL each statement reads a fresh snapshot, so once the
 * session row is locked, a handoff or turn committed while it waited for the lock is seen (a
 * single statement's snapshot predates its lock). Refusals are raised with SQLSTATEs of class CL:
 * CL001 unknown session, CL002 session not active, CL003 a person holds it (its handoff is
 * `active`, as HandoffRepository reads it); nothing is stored then. Its tables are those of the
 * schema it was created in (`search_path FROM CURRENT`), whatever the caller's search path.
 */
export class StoreAgentTurn1764230000000 implements MigrationInterface {
  name = 'StoreAgentTurn1764230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION store_agent_turn(
        p_session uuid, p_text text, p_client_message_id text, p_model_version_id uuid, p_latency_ms integer,
        p_time_to_first_token_ms integer, p_time_to_first_delta_ms integer, p_prompt_tokens integer, p_completion_tokens integer,
        p_scores jsonb
      ) RETURNS SETOF turns LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      DECLARE
        v_status text;
        v_turn turns;
      BEGIN
        UPDATE chat_sessions SET last_activity_at = now() WHERE id = p_session RETURNING status INTO v_status;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'unknown session %: it was erased or never existed', p_session USING ERRCODE = 'CL001';
        END IF;
        IF v_status <> 'active' THEN
          RAISE EXCEPTION 'session % is %', p_session, v_status USING ERRCODE = 'CL002';
        END IF;
        IF EXISTS (SELECT 1 FROM handoffs WHERE session_id = p_session AND state = 'active') THEN
          RAISE EXCEPTION 'a person holds session %', p_session USING ERRCODE = 'CL003';
        END IF;
        INSERT INTO turns (session_id, index, role, text, client_message_id, model_version_id, latency_ms,
                           time_to_first_token_ms, time_to_first_delta_ms, prompt_tokens, completion_tokens)
        VALUES (p_session, (SELECT COALESCE(MAX(index) + 1, 0) FROM turns WHERE session_id = p_session), 'agent', p_text,
                p_client_message_id, p_model_version_id, p_latency_ms, p_time_to_first_token_ms, p_time_to_first_delta_ms,
                p_prompt_tokens, p_completion_tokens)
        RETURNING * INTO v_turn;
        INSERT INTO turn_scores (turn_id, scorer, scorer_version, score, evidence)
          SELECT v_turn.id, s.scorer, s.version, s.score, s.evidence
            FROM jsonb_to_recordset(p_scores) AS s(scorer text, version text, score double precision, evidence jsonb);
        RETURN NEXT v_turn;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION store_agent_turn(uuid, text, text, uuid, integer, integer, integer, integer, integer, jsonb)`);
  }
}
