/** The seed's scenarios on the embedded store (test/helpers/scenarios.ts). */
import {seedScenarios} from '../helpers/scenarios.js';

seedScenarios('local');
