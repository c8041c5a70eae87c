"""Domain rules, storage and AWS adapters shared by every Lambda (imports boto3 and pydantic only)."""
