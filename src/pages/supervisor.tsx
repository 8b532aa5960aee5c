// The supervisor's page (/supervisor): the admin signs in and watches queues, agents and conversations.
import { SessionPage } from './lib/session-page';
import { mount } from './lib/ui';
import { Board } from './supervisor/board';
import { BoardView } from './supervisor/board-view';

mount(
  <SessionPage
    page="supervisor"
    title="Supervisor"
    label="Admin token"
    open={(token) => Board.open(token)}
    render={(board, signOut) => <BoardView board={board} onSignOut={signOut} />}
    hint={
      <p class="muted">
        The admin token is in <code>data/admin-token</code> (or <code>CONVOFLOW_ADMIN_TOKEN</code>).
      </p>
    }
  />,
);
