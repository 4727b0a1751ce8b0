"""Sample data for `make run`: a sales team in the leads roster (idempotent: PUTs only)."""

from __future__ import annotations

import sys

import httpx

LEADS = "http://127.0.0.1:8001"

TEAM = {
    "name": "Отдел продаж, Москва",
    "calendar": "ru_business",
    "time_zone": "Europe/Moscow",
    "work_start": "09:00",
    "work_end": "18:00",
    "head_id": "head-orlova",
}
MANAGERS = {
    "mgr-ivanova": {"name": "Анна Иванова", "channels": ["web_form", "email", "messenger"]},
    "mgr-petrov": {"name": "Борис Петров", "channels": ["phone", "referral", "exhibition"]},
    "mgr-sidorova": {
        "name": "Вера Сидорова",
        "regions": ["Екатеринбург", "Челябинск"],
        "time_zone": "Asia/Yekaterinburg",
    },
    "mgr-kuznetsov": {"name": "Глеб Кузнецов"},
    "head-orlova": {"name": "Дарья Орлова", "role": "head_of_sales"},
}


def main() -> int:
    """Load the sample roster; exit 1 with the failing call named if the service refuses."""
    with httpx.Client(base_url=LEADS, timeout=10) as http:
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
