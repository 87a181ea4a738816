// Registers cdktf's Jest matchers (toHaveResourceWithProperties, ...) for every suite.
const { Testing } = require('cdktf');
Testing.setupJest();
