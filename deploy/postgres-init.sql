-- The LiteLLM Proxy keeps its virtual keys, budgets and spend in a database of its own.
CREATE DATABASE litellm OWNER chat;
