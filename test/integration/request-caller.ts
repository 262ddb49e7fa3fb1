/** The app's requests as a test makes them: through the real dispatcher, a refusal thrown as an Error that carries its ErrorInfo. */
import { createDispatcher, type Handlers } from '../../electron/dispatcher';

export function requestCaller(handlers: Handlers): (name: string, args: unknown) => Promise<any> {
  const dispatch = createDispatcher(handlers);
  return async (name, args) => {
    const reply = await dispatch(name, args);
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.value;
  };
}
