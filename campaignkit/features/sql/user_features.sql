-- Per-user features as of a cutoff (campaignkit.features.build_features).
--
-- Reads the views `events_src` (canonical events) and `users_src` (user_id + attributes).
-- Placeholders (dollar-brace names) are filled by campaignkit/features/tabular.py:
--   cutoff_us         cutoff, microseconds since the epoch (UTC); only events with ts < cutoff count
--   user_range        extra predicate on user_id for chunked builds (e.g. "AND user_id BETWEEN 1 AND 99")
--   recency_cap       days used for "never happened" recencies and inter-purchase times
--   category_counts   few categories: one count_if per category in `by_type`, and
--   category_sums     their per-user sums in `activity` (both empty with many categories)
--   category_cte      many categories: the (user, category) CTEs of categories_long.sql (else empty)
--   category_join     many categories: the join of that CTE (else empty)
--   category_select   n_categories, category_entropy, top_category_share and cat_share_<c> columns
--   attributes        encoded user attributes (one-hot / ordinal / numeric), with a leading comma
-- Every meaning is listed in campaignkit/features/descriptions.py.
-- Speed notes: aggregation runs in two stages (per user x event type, then per user) with a small
-- integer event-type key, and active days are bit sets, not count(DISTINCT ...).

WITH ev AS (          -- events before the cutoff only: the one place the leak guard lives
    SELECT user_id, item_id, category,
           CAST(CASE CAST(event_type AS VARCHAR) WHEN 'view' THEN 1 WHEN 'cart' THEN 2
                     WHEN 'fav' THEN 3 WHEN 'purchase' THEN 4 END AS UTINYINT)  AS et,  -- event type key
           CAST(price AS DOUBLE)                                      AS price,
           CAST(quantity AS DOUBLE)                                   AS quantity,
           epoch_us(ts)                                               AS ts_us,
           (${cutoff_us} - epoch_us(ts)) / 86400000000.0              AS age_days,
           CAST((${cutoff_us} - epoch_us(ts)) // 86400000000 AS INTEGER) AS day,   -- 0 = last 24 h
           CAST(1 AS UBIGINT)
               << CAST(((${cutoff_us} - epoch_us(ts)) // 86400000000) % 64 AS UBIGINT) AS day_bit
    FROM events_src
    WHERE epoch_us(ts) < ${cutoff_us} ${user_range}
),

by_type AS (          -- stage 1: one row per (user, event type)
    SELECT user_id, et,
        CAST(count(*) AS DOUBLE)                                  AS n,
        CAST(count_if(age_days < 7) AS DOUBLE)                    AS n_7d,
        CAST(count_if(age_days < 30) AS DOUBLE)                   AS n_30d,
        CAST(count_if(age_days < 90) AS DOUBLE)                   AS n_90d,
        CAST(count_if(age_days >= 30 AND age_days < 60) AS DOUBLE) AS n_30_60d,
        CAST(count_if(age_days >= 90 AND age_days < 180) AS DOUBLE) AS n_90_180d,
        min(age_days)                                             AS recency,
        max(age_days)                                             AS first_age,
        max(ts_us) - min(ts_us)                                   AS span_us,
        sum(price * quantity)                                     AS spend,
        sum(CASE WHEN age_days < 30 THEN price * quantity END)    AS spend_30d,
        sum(CASE WHEN age_days < 90 THEN price * quantity END)    AS spend_90d,
        sum(quantity)                                             AS units,
        avg(price)                                                AS price_mean,
        stddev_pop(price)                                         AS price_std,
        max(price)                                                AS price_max,
        -- (counts are DOUBLE so that stage 2 sums stay DOUBLE, not slow HUGEINT; exact below 2^53)
        -- active days as bit sets: bit d of days_w0 is set when the user had an event d days
        -- before the cutoff; days_w1 holds days 64..89
        bit_or(CASE WHEN day < 64 THEN day_bit ELSE 0 END)                AS days_w0,
        bit_or(CASE WHEN day >= 64 AND day < 90 THEN day_bit ELSE 0 END)  AS days_w1
        ${category_counts}
    FROM ev
    GROUP BY user_id, et
),

activity AS (         -- stage 2: pivot the event types into columns (et: 1 view, 2 cart, 3 fav, 4 purchase)
                      -- (CASE inside the aggregate is cheaper than FILTER here)
    SELECT user_id,
        sum(n)                                   AS n_events,
        sum(n_7d)                                AS n_events_7d,
        sum(n_30d)                               AS n_events_30d,
        sum(n_90d)                               AS n_events_90d,
        sum(n_30_60d)                            AS n_events_30_60d,
        sum(CASE WHEN et = 1 THEN n END)             AS n_view,
        sum(CASE WHEN et = 2 THEN n END)             AS n_cart,
        sum(CASE WHEN et = 3 THEN n END)             AS n_fav,
        sum(CASE WHEN et = 4 THEN n END)             AS n_purchase,
        sum(CASE WHEN et = 1 THEN n_7d END)          AS n_view_7d,
        sum(CASE WHEN et = 1 THEN n_30d END)         AS n_view_30d,
        sum(CASE WHEN et = 1 THEN n_90d END)         AS n_view_90d,
        sum(CASE WHEN et = 2 THEN n_7d END)          AS n_cart_7d,
        sum(CASE WHEN et = 2 THEN n_30d END)         AS n_cart_30d,
        sum(CASE WHEN et = 2 THEN n_90d END)         AS n_cart_90d,
        sum(CASE WHEN et = 3 THEN n_7d END)          AS n_fav_7d,
        sum(CASE WHEN et = 3 THEN n_30d END)         AS n_fav_30d,
        sum(CASE WHEN et = 3 THEN n_90d END)         AS n_fav_90d,
        sum(CASE WHEN et = 4 THEN n_7d END)          AS n_purchase_7d,
        sum(CASE WHEN et = 4 THEN n_30d END)         AS n_purchase_30d,
        sum(CASE WHEN et = 4 THEN n_90d END)         AS n_purchase_90d,
        sum(CASE WHEN et = 4 THEN n_90_180d END)     AS n_purchase_90_180d,
        bit_or(days_w0)                          AS days_w0,
        bit_or(days_w1)                          AS days_w1,
        min(recency)                             AS recency_days,
        min(CASE WHEN et = 4 THEN recency END)       AS recency_purchase_days,
        min(CASE WHEN et = 2 THEN recency END)       AS recency_cart_days,
        max(first_age)                           AS days_since_first_event,
        max(CASE WHEN et = 4 THEN span_us END)       AS purchase_span_us,
        sum(CASE WHEN et = 4 THEN spend END)         AS monetary,
        sum(CASE WHEN et = 4 THEN spend_30d END)     AS monetary_30d,
        sum(CASE WHEN et = 4 THEN spend_90d END)     AS monetary_90d,
        sum(CASE WHEN et = 4 THEN units END)         AS units_purchased,
        max(CASE WHEN et = 1 THEN price_mean END)    AS mean_price_viewed,
        max(CASE WHEN et = 1 THEN price_std END)     AS std_price_viewed,
        max(CASE WHEN et = 1 THEN price_max END)     AS max_price_viewed,
        max(CASE WHEN et = 4 THEN price_mean END)    AS mean_price_purchased
        ${category_sums}
    FROM by_type
    GROUP BY user_id
),

orders AS (           -- RFM frequency: an order is the set of purchase events sharing one timestamp
    SELECT user_id, count(*) AS n_orders
    FROM (SELECT user_id, ts_us FROM ev WHERE et = 4 GROUP BY user_id, ts_us)
    GROUP BY user_id
),

cart_items AS (       -- per (user, item): last time carted, last time bought
    SELECT user_id, item_id,
        max(ts_us) FILTER (WHERE et = 2)   AS last_cart_us,
        max(ts_us) FILTER (WHERE et = 4)   AS last_purchase_us
    FROM ev
    WHERE et IN (2, 4)
    GROUP BY user_id, item_id
),

abandonment AS (      -- a carted item is abandoned when it was not bought at or after its last cart event
    SELECT user_id,
        count(*)                                                                        AS n_carted_items,
        count_if(last_purchase_us IS NULL OR last_purchase_us < last_cart_us)          AS n_abandoned_items
    FROM cart_items
    WHERE last_cart_us IS NOT NULL
    GROUP BY user_id
)
${category_cte}

SELECT
    u.user_id,
    -- counts per event type and window (sums come back as HUGEINT: cast to BIGINT)
    CAST(coalesce(a.n_events, 0) AS BIGINT)           AS n_events,
    CAST(coalesce(a.n_events_7d, 0) AS BIGINT)        AS n_events_7d,
    CAST(coalesce(a.n_events_30d, 0) AS BIGINT)       AS n_events_30d,
    CAST(coalesce(a.n_events_90d, 0) AS BIGINT)       AS n_events_90d,
    CAST(coalesce(a.n_view, 0) AS BIGINT)             AS n_view,
    CAST(coalesce(a.n_cart, 0) AS BIGINT)             AS n_cart,
    CAST(coalesce(a.n_fav, 0) AS BIGINT)              AS n_fav,
    CAST(coalesce(a.n_purchase, 0) AS BIGINT)         AS n_purchase,
    CAST(coalesce(a.n_view_7d, 0) AS BIGINT)          AS n_view_7d,
    CAST(coalesce(a.n_view_30d, 0) AS BIGINT)         AS n_view_30d,
    CAST(coalesce(a.n_view_90d, 0) AS BIGINT)         AS n_view_90d,
    CAST(coalesce(a.n_cart_7d, 0) AS BIGINT)          AS n_cart_7d,
    CAST(coalesce(a.n_cart_30d, 0) AS BIGINT)         AS n_cart_30d,
    CAST(coalesce(a.n_cart_90d, 0) AS BIGINT)         AS n_cart_90d,
    CAST(coalesce(a.n_fav_7d, 0) AS BIGINT)           AS n_fav_7d,
    CAST(coalesce(a.n_fav_30d, 0) AS BIGINT)          AS n_fav_30d,
    CAST(coalesce(a.n_fav_90d, 0) AS BIGINT)          AS n_fav_90d,
    CAST(coalesce(a.n_purchase_7d, 0) AS BIGINT)      AS n_purchase_7d,
    CAST(coalesce(a.n_purchase_30d, 0) AS BIGINT)     AS n_purchase_30d,
    CAST(coalesce(a.n_purchase_90d, 0) AS BIGINT)     AS n_purchase_90d,
    CAST(bit_count(coalesce(a.days_w0, 0) & ((CAST(1 AS UBIGINT) << 30) - 1)) AS BIGINT) AS n_active_days_30d,
    CAST(bit_count(coalesce(a.days_w0, 0)) + bit_count(coalesce(a.days_w1, 0)) AS BIGINT) AS n_active_days_90d,
    -- recency / frequency / monetary
    least(coalesce(a.recency_days, ${recency_cap}), ${recency_cap})          AS recency_days,
    least(coalesce(a.recency_purchase_days, ${recency_cap}), ${recency_cap}) AS recency_purchase_days,
    least(coalesce(a.recency_cart_days, ${recency_cap}), ${recency_cap})     AS recency_cart_days,
    coalesce(o.n_orders, 0)                                  AS frequency,
    coalesce(a.monetary, 0.0)                                AS monetary,
    coalesce(a.monetary_30d, 0.0)                            AS monetary_30d,
    coalesce(a.monetary_90d, 0.0)                            AS monetary_90d,
    coalesce(a.monetary / nullif(o.n_orders, 0), 0.0)        AS avg_order_value,
    coalesce(a.units_purchased, 0.0)                         AS units_purchased,
    -- funnel
    coalesce(a.n_cart / nullif(a.n_view, 0), 0.0)            AS cart_per_view,
    coalesce(a.n_fav / nullif(a.n_view, 0), 0.0)             AS fav_per_view,
    coalesce(a.n_purchase / nullif(a.n_view, 0), 0.0)        AS purchase_per_view,
    coalesce(a.n_purchase / nullif(a.n_cart, 0), 0.0)        AS purchase_per_cart,
    coalesce(ab.n_carted_items, 0)                           AS n_carted_items,
    coalesce(ab.n_abandoned_items / nullif(ab.n_carted_items, 0), 0.0) AS cart_abandonment_rate,
    -- categories
    ${category_select}
    -- price level and deal seeking (promo affinity)
    coalesce(a.mean_price_viewed, 0.0)                       AS mean_price_viewed,
    coalesce(a.std_price_viewed, 0.0)                        AS std_price_viewed,
    coalesce(a.max_price_viewed, 0.0)                        AS max_price_viewed,
    coalesce(a.mean_price_purchased, 0.0)                    AS mean_price_purchased,
    coalesce(a.mean_price_purchased / nullif(a.mean_price_viewed, 0), 1.0) AS deal_seeking_ratio,
    -- timing
    least(coalesce(a.purchase_span_us / 86400000000.0 / nullif(o.n_orders - 1, 0), ${recency_cap}),
          ${recency_cap})                                    AS mean_interpurchase_days,
    ln(1 + coalesce(a.n_events_30d, 0)) - ln(1 + coalesce(a.n_events_30_60d, 0))     AS activity_trend,
    ln(1 + coalesce(a.n_purchase_90d, 0)) - ln(1 + coalesce(a.n_purchase_90_180d, 0)) AS purchase_trend,
    coalesce(a.days_since_first_event, 0.0)                  AS days_since_first_event
    -- user attributes
    ${attributes}
FROM users_src AS u
LEFT JOIN activity    AS a  USING (user_id)
LEFT JOIN orders      AS o  USING (user_id)
LEFT JOIN abandonment AS ab USING (user_id)
${category_join}
WHERE TRUE ${user_range_users}
ORDER BY u.user_id
