/** The seed's scenarios on the service, through the emulator (test/helpers/scenarios.ts). */
import {seedScenarios} from '../helpers/scenarios.js';

seedScenarios('sagemaker');
