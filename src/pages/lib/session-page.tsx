import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { createClient } from './client';
import { clearToken, loadToken, saveToken } from './session';
import type { SessionModel, SessionState } from './session-model';
import type { Me } from './types';
import { SignIn } from './ui';

/** Who a token is (GET /api/me), for a page deciding whether it may sign in with it. */
export function whoIs(token: string): Promise<Me> {
  return createClient(() => token)('get', '/api/me');
}

/**
 * A page behind a token: the sign-in form until a token opens a model (kept in
 * this tab only), then the page itself; signing out stops the model's stream
 * and forgets the token. A token kept from earlier in this tab signs in again.
 */
export function SessionPage<M extends SessionModel<SessionState>>(props: {
  page: string;
  title: string;
  label: string;
  /** Checks the token (throwing a message for the sign-in form) and makes the page's model. */
  open: (token: string) => Promise<M>;
  render: (model: M, signOut: () => void) => VNode;
  /** Words under the sign-in form's title: where the token comes from. */
  hint?: ComponentChildren;
}) {
  const { page, open } = props;
  const [model, setModel] = useState<M | null>(null);
  const signIn = async (token: string): Promise<void> => {
    const next = await open(token);
    saveToken(page, token);
    next.start();
    setModel(next);
  };
  useEffect(() => {
    const saved = loadToken(page);
    if (saved) signIn(saved).catch(() => clearToken(page));
  }, []);
  useEffect(() => () => model?.stop(), [model]);
  if (!model) {
    return (
      <SignIn title={props.title} label={props.label} onSignIn={signIn}>
        {props.hint}
      </SignIn>
    );
  }
  return props.render(model, () => {
    model.stop();
    clearToken(page);
    setModel(null);
  });
}
