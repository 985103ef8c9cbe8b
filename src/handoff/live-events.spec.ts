import { Logger } from '@nestjs/common';
import { Turn } from '../sessions';
import { LiveEvent, LiveEvents } from './live-events';

describe('LiveEvents', () => {
  const event: LiveEvent = { type: 'turn', sessionId: 's1', turn: { id: 't1' } as Turn };

  it('tells every listener; one that throws is logged and neither the others nor the publisher notice', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const events = new LiveEvents();
    const heard: string[] = [];
    events.subscribe(() => {
      throw new Error('a broken gateway');
    });
    events.subscribe((e) => heard.push(e.type));
    expect(() => events.publish(event)).not.toThrow();
    expect(heard).toEqual(['turn']);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});
