// The agent desktop (/agent): an agent signs in with their token and works their conversations.
import { Desk } from './agent/desk';
import { Desktop } from './agent/desktop';
import { SessionPage } from './lib/session-page';
import { mount } from './lib/ui';

mount(
  <SessionPage
    page="agent"
    title="Agent desktop"
    label="Agent token"
    open={(token) => Desk.open(token)}
    render={(desk, signOut) => <Desktop desk={desk} onSignOut={signOut} />}
  />,
);
