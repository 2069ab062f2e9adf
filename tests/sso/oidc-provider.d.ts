// The few parts of oidc-provider (a devDependency, used only as the test identity provider) that
// tests/sso/testIdp.ts touches; the package ships no types of its own.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface InteractionResult {
    login?: { accountId: string; amr?: string[]; acr?: string; ts?: number; remember?: boolean };
    consent?: { grantId?: string };
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string };
    params: Record<string, unknown> & { client_id: string; scope?: string };
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    readonly Grant: new (properties: { accountId: string; clientId: string }) => Grant;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
