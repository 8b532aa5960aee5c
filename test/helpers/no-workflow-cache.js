// The no-cache jest project (jest.config.js): test workers replay every activation from history.
process.env.CONVOFLOW_TEST_WORKFLOW_CACHE = '0';
