import type { Selectable } from 'kysely';
import type { Db, SshCertificatesTable } from '../schema.ts';

export type SshCertificateRow = Selectable<SshCertificatesTable>;

export interface NewSshCertificate {
  serial: string;
  userId: string;
  orgId: string;
  keyFingerprint: string;
  aal: number;
  amr: readonly string[];
  validAfter: Date;
  validBefore: Date;
  now: Date;
}

export class SshCertificateQueries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(row: NewSshCertificate): Promise<void> {
    await this.#db
      .insertInto('ssh_certificates')
      .values({
        serial: row.serial,
        user_id: row.userId,
        org_id: row.orgId,
        key_fingerprint: row.keyFingerprint,
        aal: row.aal,
        amr: JSON.stringify(row.amr),
        valid_after: row.validAfter,
        valid_before: row.validBefore,
        created_at: row.now,
        revoked_at: null,
      })
      .execute();
  }

  /** A certificate with its organization's slug (what the access decision is loaded by), in one round trip. */
  bySerial(serial: string): Promise<(SshCertificateRow & { org_slug: string }) | undefined> {
    return this.#db
      .selectFrom('ssh_certificates as c')
      .innerJoin('orgs as o', 'o.id', 'c.org_id')
      .selectAll('c')
      .select('o.slug as org_slug')
      .where('c.serial', '=', serial)
      .executeTakeFirst();
  }

  /** Revokes every certificate of a user that could still be presented; returns how many. */
  async revokeAllOfUser(userId: string, now: Date): Promise<number> {
    const result = await this.#db
      .updateTable('ssh_certificates')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('valid_before', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
