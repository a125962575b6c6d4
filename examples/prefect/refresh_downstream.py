"""A downstream job to run whenever Floodgate publishes a table.

`python refresh_downstream.py` serves it as the deployment `refresh-downstream/refresh-downstream`:
the process polls Prefect and runs the flow runs that the automation in `automation.json`
schedules when a `wap.run.published` event arrives for the table.
"""

from prefect import flow, get_run_logger


@flow(name="refresh-downstream")
def refresh_downstream(table: str, run_id: str = "", commit: str = "") -> str:
    logger = get_run_logger()
    logger.info("table %s was published by run %s at commit %s", table, run_id or "?", commit or "?")
    # The real work goes here: rebuild the models that read `table`, refresh a dashboard
    # extract, export a snapshot... `commit` pins exactly what was published.
    return f"refreshed downstream of {table}"


if __name__ == "__main__":
    refresh_downstream.serve(name="refresh-downstream", tags=["floodgate"])
