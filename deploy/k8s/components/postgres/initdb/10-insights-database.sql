-- The insights service's database, on the same server as the orders' (POSTGRES_DB) and owned
-- by the same user. The postgres image runs this once, when it initialises an empty data
-- volume; a server that already has its data needs it created by hand, once:
--   kubectl exec postgres-0 -- createdb -U copilot insights
CREATE DATABASE insights;
