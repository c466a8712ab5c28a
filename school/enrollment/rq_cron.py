"""RQ's cron configuration: `rq cron school/enrollment/rq_cron.py --url "$REDIS_URL"`.

Times are UTC (Kazakhstan is UTC+5): reminders at five past every hour, digests at 03:00
UTC = 08:00 in Kazakhstan. Run `rq worker notices --url "$REDIS_URL"` beside it.
"""

from rq import cron

from school.enrollment.holds import held_seats_job
from school.enrollment.schedule import QUEUE, digests_job, reminders_job

cron.register(reminders_job, queue_name=QUEUE, cron="5 * * * *", job_timeout=1800)
cron.register(digests_job, queue_name=QUEUE, cron="0 3 * * *", job_timeout=1800)
# Held seats (issue 22): warned two days before and released on their day, every hour.
cron.register(held_seats_job, queue_name=QUEUE, cron="15 * * * *", job_timeout=1800)
