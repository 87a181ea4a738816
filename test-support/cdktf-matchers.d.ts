// Brings cdktf's Jest matcher types (registered at run time in setup.js) into the tests.
import 'cdktf/lib/testing/adapters/jest';
