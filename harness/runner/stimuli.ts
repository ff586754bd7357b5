/**
 * Routes each stimulus to the driver the device profile names for it: the simulator's control
 * channel, an operator prompt, or an external command.
 */
import type { CallOptions, StimulusDriver, StimulusReply } from '../../devices/drivers/terminal.js';
import type { StimulusRoute } from '../config/profile.js';

export interface StimulusDrivers {
  simulator?: StimulusDriver;
  operator?: StimulusDriver;
  exec?: StimulusDriver;
}

export class StimulusRouter {
  constructor(
    private readonly routes: Readonly<Record<string, StimulusRoute>>,
    private readonly fallback: StimulusRoute,
    private readonly drivers: StimulusDrivers,
  ) {}

  routeOf(stimulus: string): StimulusRoute {
    return this.routes[stimulus] ?? this.fallback;
  }

  async apply(stimulus: string, args: Record<string, unknown>, options: CallOptions): Promise<StimulusReply> {
    const route = this.routeOf(stimulus);
    const driver = this.drivers[route.via];
    if (!driver) {
      return {
        ok: false,
        error: {
          code: 'NO_STIMULUS_ROUTE',
          message: `stimulus "${stimulus}" goes via ${route.via}, which this device profile does not provide`,
        },
      };
    }
    return driver.apply(stimulus, args, options);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.drivers).map((d: StimulusDriver) => d.close()));
  }
}
