"""Writes recorded_day.csv: one day of one service at an office, the input of
the estimate's replay test (domain::estimate). A simulated day, so that the
test does not carry anyone's NIK: 30 bookings made the day before, walk-ins
arriving from opening (08:00) to the issuing cut-off (14:00) with a morning
peak, two counters, a third from 09:00 to 11:00, one counter away for lunch
12:00-12:45, service times log-normal (mean about 7 minutes), 8% no-shows
(the counter waits 3 minutes), a few cancellations.
Run: python3 recorded_day.py > recorded_day.csv"""
import math
import random

rng = random.Random(20261203)
OPEN, CUTOFF = 8 * 3600, 14 * 3600


def clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


tickets = []  # [issued, cancelled]
for i in range(30):
    tickets.append([-3600 * 20 + i * 600, None])  # booked yesterday
t = OPEN
while True:
    hour = t / 3600
    rate = 14 if hour < 10 else 9 if hour < 12 else 6  # arrivals per hour
    t += rng.expovariate(rate / 3600)
    if t > CUTOFF:
        break
    tickets.append([t, None])
for ticket in tickets:
    if rng.random() < 0.04:
        ticket[1] = max(ticket[0], OPEN) + rng.uniform(5, 60) * 60

counters = {
    "Loket 1": [(OPEN, 24 * 3600)],
    "Loket 2": [(OPEN, 12 * 3600), (12 * 3600 + 45 * 60, 24 * 3600)],
    "Loket 3": [(9 * 3600, 11 * 3600)],
}
free_at = {name: shifts[0][0] for name, shifts in counters.items()}
record = [None] * len(tickets)
queue = list(range(len(tickets)))
while queue:
    # The counter that can call next: free, within a shift.
    best = None
    for name, shifts in counters.items():
        at = free_at[name]
        for start, end in shifts:
            when = max(at, start)
            if when < end:
                if best is None or when < best[0]:
                    best = (when, name)
                break
    when, name = best
    # The first ticket issued by then and not cancelled by then.
    pick = None
    for index in queue:
        issued, cancelled = tickets[index]
        if cancelled is not None and cancelled <= max(when, issued):
            continue
        pick = index
        break
    if pick is None:
        for index in list(queue):
            if tickets[index][1] is not None:
                queue.remove(index)
        continue
    issued = tickets[pick][0]
    when = max(when, issued)
    # Cancelled before it could be called: it leaves the line.
    dropped = [i for i in queue if tickets[i][1] is not None and tickets[i][1] <= when]
    for i in dropped:
        queue.remove(i)
    if pick not in queue:
        continue
    queue.remove(pick)
    if rng.random() < 0.08:
        ended, outcome = when + 180, "no_show"
    else:
        minutes = rng.lognormvariate(math.log(6.2), 0.5)
        ended, outcome = when + minutes * 60, "done"
    record[pick] = (when, ended, outcome, name)
    free_at[name] = ended + rng.uniform(10, 40)

print("number,issued,called,ended,outcome,counter,cancelled")
for number, ((issued, cancelled), row) in enumerate(zip(tickets, record), start=1):
    shown_issued = clock(issued) if issued >= 0 else "yesterday"
    if row is None:
        print(f"D-{number:03d},{shown_issued},,,cancelled,,{clock(cancelled)}")
    else:
        when, ended, outcome, name = row
        print(f"D-{number:03d},{shown_issued},{clock(when)},{clock(ended)},{outcome},{name},")
