import { describeKernelContract } from './kernel-contract.js';
import { describeGateOutcome, realContractContext, realKernelGate } from '../helpers/real-kernel.js';

// The contract on the real kernel: runs as root on Linux, skips elsewhere, fails under GLASSBOX_REQUIRE_REAL=1.
const gate = await realKernelGate();
if (gate.mode === 'run') {
  describeKernelContract('linux', () => realContractContext(gate.createKernel()));
} else {
  describeGateOutcome('kernel contract: linux', gate);
}
