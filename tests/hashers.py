"""The test suite's password hasher: Django's PBKDF2 with one iteration instead of a million.

Every persona's password is hashed when the demo users are seeded and checked at each login; at a
million iterations that was most of the suite's setup. The algorithm's name stays
``pbkdf2_sha256``, so the processes a test starts (the web server, the recorder), which run the
platform's own settings, still check these hashes (and upgrade them on a login, as for any older hash).
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
