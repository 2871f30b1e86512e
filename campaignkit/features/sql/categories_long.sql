-- Category features when the log has many categories (campaignkit/features/tabular.py picks this
-- variant above `wide_category_limit`): a (user, category) count table, then shares per user.
-- Appended to the WITH list of user_features.sql; `cat_shares` adds one
-- "sum(share) FILTER (WHERE category = c) AS cat_share_c" per tracked category.
,
category_counts AS (
    SELECT user_id, category, count(*) AS n
    FROM ev
    WHERE category IS NOT NULL
    GROUP BY user_id, category
),

categories AS (       -- shares of the user's events by category, their entropy and concentration
    SELECT user_id,
        count(*)                    AS n_categories,
        -sum(share * ln(share))     AS category_entropy,
        max(share)                  AS top_category_share
        ${cat_shares}
    FROM (SELECT user_id, category, n / sum(n) OVER (PARTITION BY user_id) AS share FROM category_counts)
    GROUP BY user_id
)
