import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { authorizeSshCertificate } from '../../app/ssh/authorizeSshCertificate.ts';
import { issueSshCertificate } from '../../app/ssh/issueSshCertificate.ts';
import type { SshCa } from '../../ssh/caKey.ts';
import { MAX_CERTIFICATE_VALID_SECONDS } from '../../ssh/issueCertificate.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { requireHostToken } from '../hostToken.ts';
import { errors, Strict, Timestamp } from '../schemas.ts';
import { SlugParams } from './orgs.ts';

const tags = ['ssh'];

export function registerSshRoutes(app: App, deps: AppDeps, ca: SshCa): void {
  app.get(
    '/v1/ssh/ca',
    {
      config: { auth: 'none' },
      schema: { tags, summary: "The certificate authority's public key, for sshd's TrustedUserCAKeys", security: [], response: { 200: Type.Object({ public_key: Type.String() }) } },
    },
    async () => ({ public_key: ca.publicKeyOpenSsh }),
  );

  app.post(
    '/v1/orgs/:slug/ssh-certificates',
    {
      schema: {
        tags,
        summary: 'An OpenSSH user certificate for your key (access decision for channel ssh applies first)',
        params: SlugParams,
        body: Strict({
          public_key: Type.String({ minLength: 1, maxLength: 16_384 }),
          valid_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: MAX_CERTIFICATE_VALID_SECONDS, description: 'default 8 hours, at most 24' })),
        }),
        response: {
          201: Type.Object({ certificate: Type.String(), principals: Type.Array(Type.String()), valid_after: Timestamp, valid_before: Timestamp }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const issued = await issueSshCertificate(deps, ca, actorOf(request), {
        slug: request.params.slug,
        publicKey: request.body.public_key,
        ...(request.body.valid_seconds !== undefined ? { validSeconds: request.body.valid_seconds } : {}),
      });
      return reply.code(201).send({ certificate: issued.certificate, principals: issued.principals, valid_after: issued.validAfter, valid_before: issued.validBefore });
    },
  );

  app.post(
    '/v1/ssh/authorize',
    {
      // Not a user's credential: the SSH host's shared secret, checked before the body is looked at.
      config: { auth: 'none' },
      onRequest: async (request) => requireHostToken(deps.config.sshAuthorizeToken, request),
      schema: {
        tags,
        summary: "For sshd's AuthorizedPrincipalsCommand: the principals a certificate may still use (empty: refuse)",
        description:
          'Authenticated with the host token (GATEHOUSE_SSH_AUTHORIZE_TOKEN) as a bearer token; answers 404 when none is configured. ' +
          'Re-runs the access decision for channel ssh with the current membership, policy and factors and the credential the certificate was issued to.',
        security: [{ bearer: [] }],
        body: Strict({
          serial: Type.String({ pattern: '^[0-9]{1,20}$', description: "the certificate's serial in decimal (sshd's %s)" }),
          key_id: Type.Optional(Type.String({ maxLength: 1024, description: "the certificate's key id (sshd's %i)" })),
          principal: Type.Optional(Type.String({ maxLength: 256, description: "the organization this host serves; other organizations' certificates are refused" })),
          fingerprint: Type.Optional(Type.String({ maxLength: 256, description: "SHA256 fingerprint of the key presented (sshd's %f)" })),
        }),
        response: {
          200: Type.Object({ principals: Type.Array(Type.String()), reason: Type.Optional(Type.String({ description: 'why the list is empty, for the host log' })) }),
          ...errors(401, 404),
        },
      },
    },
    async (request) => {
      const body = request.body;
      const answer = await authorizeSshCertificate(deps, {
        serial: body.serial,
        ...(body.key_id !== undefined ? { keyId: body.key_id } : {}),
        ...(body.principal !== undefined ? { principal: body.principal } : {}),
        ...(body.fingerprint !== undefined ? { fingerprint: body.fingerprint } : {}),
      });
      // Debug only: this runs on every SSH connection, and the decision itself changed nothing.
      request.log.debug({ serial: body.serial, principals: answer.principals, reason: answer.reason }, 'ssh authorize');
      return answer;
    },
  );
}
