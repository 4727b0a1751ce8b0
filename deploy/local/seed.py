"""Sample data for `make run`: a sales team in the leads roster (idempotent: PUTs only).

The people are those of the local Keycloak's realm (keycloak/voronka-realm.json), by the same
ids. When `make run` closed the API, it sends the local key that services.sh made.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx

LEADS = "http://127.0.0.1:8001"
KEY_FILE = Path(
    os.environ.get(
        "VORONKA_API_KEY_FILE", Path(__file__).resolve().parents[2] / ".cache/run/api-key"
    )
)

TEAM = {
    "name": "Отдел продаж, Москва",
    "calendar": "ru_business",
    "time_zone": "Europe/Moscow",
    "work_start": "09:00",
    "work_end": "18:00",
    "head_id": "head-orlova",
}
MANAGERS: dict[str, dict[str, object]] = {
    "mgr-ivanova": {"name": "Анна Иванова", "channels": ["web_form", "email", "messenger"]},
    "mgr-petrov": {"name": "Борис Петров", "channels": ["phone", "referral", "exhibition"]},
    "mgr-sidorova": {
        "name": "Вера Сидорова",
        "regions": ["Екатеринбург", "Челябинск"],
        "time_zone": "Asia/Yekaterinburg",
    },
    "mgr-kuznetsov": {"name": "Глеб Кузнецов"},
    # The team lead is on the roster so that they see the team's leads; they take none (capacity 0).
    "lead-moscow": {"name": "Егор Лебедев", "role": "team_lead", "capacity": 0},
    "head-orlova": {"name": "Дарья Орлова", "role": "head_of_sales"},
}


def credentials() -> dict[str, str]:
    """The local key's header when `make run` made one (sign-in is on), else none."""
    key = KEY_FILE.read_text(encoding="ascii").strip() if KEY_FILE.is_file() else ""
    return {"Authorization": f"Bearer {key}"} if key else {}


def main() -> int:
    """Load the sample roster; exit 1 with the failing call named if the service refuses."""
    with httpx.Client(base_url=LEADS, timeout=10, headers=credentials()) as http:
        calls = [("/v1/teams/moscow-sales", TEAM)] + [
            (f"/v1/managers/{manager_id}", {"team": "moscow-sales", "capacity": 30, **fields})
            for manager_id, fields in MANAGERS.items()
        ]
        for path, body in calls:
            response = http.put(path, json=body)
            if response.status_code != 200:
                sys.stderr.write(f"seed: PUT {path} answered {response.status_code}\n")
                return 1
    sys.stdout.write(f"seed: {len(MANAGERS)} people in team moscow-sales (leads roster)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
