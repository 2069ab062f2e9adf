import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api, seg } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { errorForField } from '../errors.ts';
import { roleName } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';
import type { Org, OrgSummary } from '../types.ts';

const ACCESS_TEXT: Record<OrgSummary['access'], string> = {
  ok: 'Access: yes',
  grace: 'Access: yes, until the grace period ends — enable two-factor authentication',
  blocked: 'Access: blocked — enable two-factor authentication',
  none: 'Access: none',
};

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 39);
}

export function Orgs(): ReactNode {
  const orgs = useLoad(() => api.get<{ orgs: OrgSummary[] }>('/v1/orgs'), 'orgs');
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);

  const create = useAction(async () => {
    const res = await api.post<{ org: Org }>('/v1/orgs', { slug, name: name.trim() });
    navigate(`/orgs/${seg(res.org.slug)}/members`);
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void create.run();
  };

  const list = orgs.data?.orgs ?? [];
  return (
    <Page title="Organizations">
      <ErrorMessage error={orgs.error} />
      {orgs.data && list.length === 0 && <p>You are not a member of any organization yet. Create one below.</p>}
      {list.length > 0 && (
        <ul className="org-list" aria-label="Your organizations">
          {list.map((o) => (
            <li key={o.slug}>
              <div>
                <Link to={o.state === 'pending' ? `/orgs/${seg(o.slug)}/rejoin` : `/orgs/${seg(o.slug)}/members`}>{o.name}</Link>{' '}
                <span className="muted">{o.slug}</span>
              </div>
              <div className="meta">
                <span>Role: {roleName(o.role)}</span>
                {o.state === 'pending' ? (
                  <span className="badge warn">Pending — enable two-factor authentication to rejoin</span>
                ) : (
                  <span className={`badge ${o.access === 'ok' ? 'ok' : 'warn'}`}>{ACCESS_TEXT[o.access] ?? `Access: ${o.access}`}</span>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}

      <section aria-labelledby="create-org-title">
        <h2 id="create-org-title">Create an organization</h2>
        <form onSubmit={submit} className="narrow" noValidate>
          <Field
            label="Organization name"
            required
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              if (!slugEdited) setSlug(slugify(e.target.value));
            }}
            error={errorForField(create.error, 'name')}
          />
          <Field
            label="URL name"
            required
            value={slug}
            pattern="[a-z0-9][a-z0-9-]{1,38}"
            onChange={(e) => {
              setSlug(e.target.value);
              setSlugEdited(true);
            }}
            hint="Lowercase letters, digits and dashes, 2 to 39 characters. Used in addresses: /orgs/your-name."
            error={errorForField(create.error, 'slug', ['slug_taken'])}
          />
          <ErrorMessage error={create.error?.code === 'slug_taken' ? undefined : create.error} shownFields={['name', 'slug']} />
          <button type="submit" disabled={create.busy || !name.trim() || !slug}>
            Create organization
          </button>
        </form>
      </section>
    </Page>
  );
}
