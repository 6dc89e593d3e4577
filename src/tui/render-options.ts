/**
How `glassbox learn` asks Ink to draw (npm run bench:tour draws the same way).

maxFps 60: Ink draws at most once per 1000/maxFps ms, so a key pressed just after a frame waits up
to that long before its own frame starts. At Ink's default of 30 that wait (33 ms) plus a frame
(15-25 ms) plus a garbage collection now and then put single keys at 100-120 ms while a step ran;
at 60 every lesson stayed under 65 ms (p95, simulated kernel), with the same idle CPU (nothing is
drawn when nothing changes) and the same memory.
*/
export const TOUR_RENDER_OPTIONS = { maxFps: 60 } as const;
