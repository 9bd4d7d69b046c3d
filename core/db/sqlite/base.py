"""Django's SQLite backend, with connections that notice their database file going away.

Workers keep their connection between requests (CONN_MAX_AGE). An open SQLite connection would
go on reading and writing a file that was moved away or replaced by another; its health check
(CONN_HEALTH_CHECKS: once per request, one stat) compares the file now at the path with the one
it opened, so the request reconnects to what is there, or answers 503 when nothing is.
"""

import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _opened_file: tuple[int, int] | None = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        self._opened_file = self._file_at_path()
        return connection

    def is_usable(self) -> bool:
        if self.is_in_memory_db():
            return True
        return self._opened_file is not None and self._file_at_path() == self._opened_file

    def _file_at_path(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.settings_dict["NAME"])
        except OSError:
            return None
        return found.st_dev, found.st_ino
