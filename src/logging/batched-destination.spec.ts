import { BatchedDestination } from './batched-destination.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe(BatchedDestination.name, () => {
  it('writes the lines of one event-loop turn with one write, in order', async () => {
    const writes: string[] = [];
    const destination = new BatchedDestination({
      write: (chunk: string) => void writes.push(chunk),
    });
    destination.write('a\n');
    destination.write('b\n');
    destination.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    destination.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes what is waiting on flush (as at exit), and nothing twice', async () => {
    const writes: string[] = [];
    const destination = new BatchedDestination({
      write: (chunk: string) => void writes.push(chunk),
    });
    destination.write('last\n');
    destination.flush();
    expect(writes).toEqual(['last\n']);
    await nextTurn();
    expect(writes).toEqual(['last\n']);
  });
});
