"""Strings of the third-party admin pages (django-axes, django-celery-beat) that their packages
do not translate into Chinese, written here so that `make messages` keeps them in our catalogue:
`makemessages` reads only our code, and its `--no-obsolete` drops a msgid no code names. Nothing
imports this module; the packages look the strings up by the same text (decision 0060)."""
from django.utils.translation import gettext_noop, ngettext_lazy

STRINGS = [
    gettext_noop("Access lock out"),
    gettext_noop("Arguments"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Cron Days Of The Month to Run. Use \"*\" for \"all\". (Example: \"1,15\")"),
    gettext_noop("Cron Days Of The Week to Run. Use \"*\" for \"all\", Sunday is 0 or 7, Monday is 1. "
                 "(Example: \"0,5\")"),
    gettext_noop("Cron Hours to Run. Use \"*\" for \"all\". (Example: \"8,20\")"),
    gettext_noop("Cron Minutes to Run. Use \"*\" for \"all\". (Example: \"0,30\")"),
    gettext_noop("Cron Months (1-12) Of The Year to Run. Use \"*\" for \"all\". (Example: \"1,12\")"),
    gettext_noop("Datetime that the schedule last triggered the task to run. Reset to None if enabled is "
                 "set to False."),
    gettext_noop("Execution Options"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("If True, the schedule will only run the task a single time"),
    gettext_noop("JSON encoded keyword arguments (Example: {\"argument\": \"value\"})"),
    gettext_noop("JSON encoded message headers for the AMQP message."),
    gettext_noop("JSON encoded positional arguments (Example: [\"arg1\", \"arg2\"])"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("Override Exchange for low-level AMQP routing"),
    gettext_noop("Override Routing Key for low-level AMQP routing"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Periodic Tasks Using This Schedule"),
    gettext_noop("Priority Number between 0 and 255. Supported by: RabbitMQ, Redis (priority reversed, 0 is highest)."),
    gettext_noop("Queue defined in CELERY_TASK_QUEUES. Leave None for default queuing."),
    gettext_noop("Schedule"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Set to False to disable the schedule"),
    gettext_noop("The Name of the Celery Task that Should be Run.  (Example: \"proj.tasks.import_contacts\")"),
    gettext_noop("Timezone to Run the Cron Schedule on. Default is UTC."),
    gettext_noop("User Agent"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    # django-celery-beat's messages after "enable", "disable" and "toggle" on the task list
    ngettext_lazy("{0} task was successfully enabled", "{0} tasks were successfully enabled", "n"),
    ngettext_lazy("{0} task was successfully disabled", "{0} tasks were successfully disabled", "n"),
    ngettext_lazy("{0} task was successfully toggled", "{0} tasks were successfully toggled", "n"),
]
