namespace Flows.Sdk.Execution;

/// <summary>
/// The ready messages of a queue, by flow, handed out round-robin across flows to the flows an <see cref="IFlowAdmission"/>
/// admits (each flow's messages in the order they became ready). Shared by the in-memory and SQLite queues: the durable part
/// of a queue (rows, leases, timers for delayed messages) stays in the queue; this is only the in-process order.
/// Public for queue implementers: an <see cref="IFlowQueue"/> adds the messages that became ready and serves
/// <see cref="IFlowQueue.DequeueAsync(IFlowAdmission, CancellationToken)"/> with <see cref="ReadyMessages{T}.TakeAsync"/>. Thread-safe.
/// </summary>
public sealed class ReadyMessages() : ReadyMessages<QueuedMessage>(static message => message.FlowId)
{
}

/// <summary>
/// The ready entries of a queue, by flow, handed out round-robin across flows (see <see cref="ReadyMessages"/>), for any entry
/// type: a queue keeps a message's queue-side state (row, delivery count) in its entries. Thread-safe.
/// </summary>
/// <typeparam name="T">The entry type.</typeparam>
/// <param name="flowOf">The flow id of an entry.</param>
public class ReadyMessages<T>(Func<T, string> flowOf)
    where T : class
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Queue<T>> _byFlow = new(StringComparer.Ordinal);

    // The flows with ready messages, in turn order; _next is the flow whose turn it is.
    private readonly List<string> _turns = [];
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly List<(IFlowAdmission Admission, IDisposable Registration)> _admissions = [];

    // Emptied per-flow queues, kept for the next flow that gets a message: a flow's queue empties and refills with most messages.
    private readonly Stack<Queue<T>> _spare = new();
    private int _next;
    private int _count;

    /// <summary>How many messages are ready.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a ready message unless <paramref name="capacity"/> messages are ready already.</summary>
    public bool TryAdd(T message, int capacity)
    {
        lock (_lock)
        {
            if (_count >= capacity)
            {
                return false;
            }

            AddLocked(message);
            DispatchLocked();
            return true;
        }
    }

    /// <summary>Adds a ready message whatever the count (a message accepted earlier: a due rebound, a redelivery).</summary>
    public void Add(T message)
    {
        lock (_lock)
        {
            AddLocked(message);
            DispatchLocked();
        }
    }

    /// <summary>Adds ready messages whatever the count, in order.</summary>
    public void AddRange(IEnumerable<T> messages)
    {
        lock (_lock)
        {
            foreach (var message in messages)
            {
                AddLocked(message);
            }

            DispatchLocked();
        }
    }

    /// <summary>Takes the next message of a flow <paramref name="admission"/> admits, waiting for one when there is none.</summary>
    public ValueTask<T> TakeAsync(IFlowAdmission admission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admission);
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            SubscribeLocked(admission);
            if (TryTakeLocked(admission, out var message))
            {
                return new(message);
            }

            waiter = new Waiter(admission);
            waiter.Node = _waiters.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(static state =>
            {
                var (self, w, token) = ((ReadyMessages<T>, Waiter, CancellationToken))state!;
                lock (self._lock)
                {
                    if (w.Node!.List is null)
                    {
                        return; // Served first.
                    }

                    self._waiters.Remove(w.Node);
                }

                w.Completion.TrySetCanceled(token);
            }, (this, waiter, cancellationToken));
            lock (_lock)
            {
                if (waiter.Node.List is null)
                {
                    // Served (or cancelled) while registering: the registration must not outlive the wait.
                    registration.Unregister();
                }
                else
                {
                    waiter.Registration = registration;
                }
            }
        }

        return new(waiter.Completion.Task);
    }

    /// <summary>Serves waiting callers again: a run slot was freed, so a flow refused before may be admitted now.</summary>
    private void Wake()
    {
        lock (_lock)
        {
            DispatchLocked();
        }
    }

    private void SubscribeLocked(IFlowAdmission admission)
    {
        if (admission is AdmitAll)
        {
            return;
        }

        foreach (var (known, _) in _admissions)
        {
            if (ReferenceEquals(known, admission))
            {
                return;
            }
        }

        // Kept for the queue's lifetime: the workers hand the same admission to every dequeue.
        _admissions.Add((admission, admission.OnSlotFreed(Wake)));
    }

    private void AddLocked(T message)
    {
        var flowId = flowOf(message);
        if (!_byFlow.TryGetValue(flowId, out var messages))
        {
            messages = _spare.TryPop(out var spare) ? spare : new Queue<T>();
            _byFlow[flowId] = messages;

            // A flow that had nothing ready joins the turns just before the flow whose turn it is: it is served last in this round.
            _turns.Insert(_next, flowId);
            _next = (_next + 1) % _turns.Count;
        }

        messages.Enqueue(message);
        _count++;
    }

    private void DispatchLocked()
    {
        var node = _waiters.First;
        while (node is not null && _count > 0)
        {
            var next = node.Next;
            var waiter = node.Value;
            if (TryTakeLocked(waiter.Admission, out var message))
            {
                _waiters.Remove(node);
                waiter.Registration.Unregister();
                waiter.Completion.TrySetResult(message);
            }

            node = next;
        }
    }

    private bool TryTakeLocked(IFlowAdmission admission, out T message)
    {
        var flows = _turns.Count;
        for (var i = 0; i < flows; i++)
        {
            var index = (_next + i) % flows;
            var flowId = _turns[index];
            if (!admission.TryAdmit(flowId, _byFlow.Keys))
            {
                continue;
            }

            var messages = _byFlow[flowId];
            message = messages.Dequeue();
            _count--;
            if (messages.Count == 0)
            {
                _byFlow.Remove(flowId);
                if (_spare.Count < 64)
                {
                    _spare.Push(messages);
                }

                _turns.RemoveAt(index);
                _next = _turns.Count == 0 ? 0 : index % _turns.Count;
            }
            else
            {
                _next = (index + 1) % flows;
            }

            return true;
        }

        message = null!;
        return false;
    }

    private sealed class Waiter(IFlowAdmission admission)
    {
        public readonly IFlowAdmission Admission = admission;
        public readonly TaskCompletionSource<T> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter>? Node;
        public CancellationTokenRegistration Registration;
    }
}
