import { join } from 'node:path';
import { parseCommandArgs, SLUG } from './args.ts';
import { clientSettings, DEFAULT_SERVER, expandHome } from './clientSettings.ts';
import { EXIT_OK, reportFailure, UsageError } from './cliErrors.ts';
import { requireSession } from './credentialsFile.ts';
import type { ErrorContext } from './explainError.ts';
import { shortTime } from './formatTime.ts';
import { requestCertificate } from './requestCertificate.ts';
import { publicKeyPath } from './sshKeyFiles.ts';

const USAGE = 'gatehouse ssh-cert ORG [KEY] [--server URL] [--ssh-dir DIR]   (KEY defaults to ~/.ssh/id_ed25519.pub)';

/** `gatehouse ssh-cert ORG [KEY]`: one certificate for one key, written as KEY-cert.pub. */
export async function sshCert(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const context: ErrorContext = { server: DEFAULT_SERVER };
  try {
    const { values, positionals } = parseCommandArgs(argv, { server: { type: 'string' }, 'ssh-dir': { type: 'string' } }, USAGE);
    const [org, key, ...rest] = positionals;
    if (org === undefined || rest.length > 0) throw new UsageError(`usage: ${USAGE}`);
    if (!SLUG.test(org)) throw new UsageError(`"${org}" is not an organization slug (lowercase letters, digits and dashes)\nusage: ${USAGE}`);
    context.org = org;
    const settings = clientSettings(env, { server: values.server });
    const session = requireSession(settings);
    context.server = session.server;
    const sshDir = values['ssh-dir'] !== undefined ? expandHome(values['ssh-dir'], settings.homeDir) : join(settings.homeDir, '.ssh');
    const publicPath = key !== undefined ? publicKeyPath(expandHome(key, settings.homeDir)) : join(sshDir, 'id_ed25519.pub');
    const cert = await requestCertificate(session, { org, publicKeyPath: publicPath });
    process.stdout.write(`Wrote ${cert.path} (principals: ${cert.principals.join(', ')}; valid until ${shortTime(cert.validBefore)}).\n`);
    return EXIT_OK;
  } catch (error) {
    return reportFailure(error, context);
  }
}
