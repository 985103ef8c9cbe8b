import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { Turn } from './turn.entity';

export type SessionChannel = 'widget' | 'rasa' | 'simulator';
export type SessionStatus = 'active' | 'ended' | 'timed_out';

@Entity('chat_sessions')
export class ChatSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'site_key', type: 'text' })
  siteKey!: string;

  @Column({ type: 'text', default: 'widget' })
  channel!: SessionChannel;

  @Column({ type: 'text', default: 'active' })
  status!: SessionStatus;

  /** SHA-256 of the resume token handed to the client; the token itself is never stored. */
  @Column({ name: 'resume_token_hash', type: 'text', nullable: true })
  resumeTokenHash!: string | null;

  /** HMAC-SHA-256 of the site's visitor identifier (see VisitorIds); null when the site passed none. */
  @Column({ name: 'visitor_hash', type: 'text', nullable: true })
  visitorHash!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  metadata!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_activity_at', type: 'timestamptz', default: () => 'now()' })
  lastActivityAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @OneToMany(() => Turn, (turn) => turn.session)
  turns?: Relation<Turn[]>;
}
