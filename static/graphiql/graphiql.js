// GraphiQL bootstrap (the page's only script besides the vendored React and GraphiQL UMD builds).
//
// Queries and mutations go over HTTP to /graphql with the header editor's headers.
// Subscriptions go over graphql-transport-ws on the same origin's /graphql: GraphiQL's fetcher
// (with the graphql-ws client bundled in graphiql.min.js) opens a socket per subscription and
// sends the header editor's headers as the connection_init payload, which is exactly where this
// server reads `Authorization`. When the desktop is signed in (this tab's token, or the
// refresh cookie), the header editor starts with that Authorization header.

import * as session from '../app/session.js?v=d12d3c08e2';

const { React, ReactDOM, GraphiQL } = window;
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;

const DEFAULT_QUERY = `# BlackRoad API. Ctrl-Enter runs the operation under the cursor.
#
# Subscriptions work too, e.g.:
#   subscription { blockMined { index hash miner { username } } }

query Chain {
  chainStats { height totalTransactions pendingTransactions difficulty totalSupply }
  blocks(first: 5) { nodes { index hash timestamp transactionCount miner { username } } }
}
`;

async function main() {
  try {
    await session.restore();
  } catch {
    // Server unreachable: GraphiQL will say so on the first request.
  }
  const token = session.token();
  const headers = token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined;

  const fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: wsUrl });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      headers,
      // The token must not outlive the session in localStorage.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: headers ? 'headers' : false,
    }),
  );
}

main();
