"""Settings for the test suite: the ordinary settings in test mode.

Test mode hashes passwords fast, runs tasks immediately and, when CASEBRIDGE_TEST_DATABASE_URL is
set, uses that database (the suite then runs on PostgreSQL).
"""

import os
import tempfile
from pathlib import Path

os.environ["CASEBRIDGE_MODE"] = "test"
os.environ.setdefault("SECRET_KEY", "casebridge-test-only-secret-key-not-for-any-deployment")

from casebridge.config.settings import *  # noqa: F403

# Static files are served from the app directories in tests; nothing is collected.
STATIC_ROOT = None

# Uploaded files of the suite go to a throwaway folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="casebridge-media-"))

# SQLite's test database is a file (WAL, IMMEDIATE transactions, busy timeout) like a real
# deployment's, not a shared-cache memory database, whose table locks fail instead of waiting:
# the concurrency tests run real parallel writers against it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.mkdtemp(prefix="casebridge-db-")) / "test.sqlite3")
    }
