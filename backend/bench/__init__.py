"""``emr bench``: the API under load on clinic-scale data, against two baselines measured
in the same run (a bare Litestar endpoint and a raw asyncpg primary-key query)."""
