-- Per-user features as of a cutoff (campaignkit.features.build_features).
--
-- Reads the views `events_src` (canonical events) and `users_src` (user_id + attributes).
-- Placeholders (dollar-brace names) are filled by campaignkit/features/tabular.py:
--   cutoff_us      cutoff, microseconds since the epoch (UTC); only events with ts < cutoff count
--   user_range     extra predicate on user_id for chunked builds (e.g. "AND user_id BETWEEN 1 AND 99")
--   recency_cap    days used for "never happened" recencies and inter-purchase times
--   cat_shares     one "sum(share) FILTER (WHERE category = c) AS cat_share_c" per tracked category
--   attributes     encoded user attributes (one-hot / ordinal / numeric), with a leading comma
-- Every meaning is listed in campaignkit/features/catalog.py.

WITH ev AS (          -- events before the cutoff only: the one place the leak guard lives
    SELECT user_id,
           CAST(event_type AS VARCHAR)                      AS event_type,
           item_id, category,
           CAST(price AS DOUBLE)                            AS price,
           CAST(quantity AS DOUBLE)                         AS quantity,
           epoch_us(ts)                                     AS ts_us,
           (${cutoff_us} - epoch_us(ts)) / 86400000000.0    AS age_days
    FROM events_src
    WHERE epoch_us(ts) < ${cutoff_us} ${user_range}
),

activity AS (         -- counts, recency, RFM, prices, trends: one pass over the user's events
    SELECT user_id,
        count(*)                                                         AS n_events,
        count(*) FILTER (WHERE age_days < 7)                             AS n_events_7d,
        count(*) FILTER (WHERE age_days < 30)                            AS n_events_30d,
        count(*) FILTER (WHERE age_days < 90)                            AS n_events_90d,
        count(*) FILTER (WHERE age_days >= 30 AND age_days < 60)         AS n_events_30_60d,
        count(*) FILTER (WHERE event_type = 'view')                      AS n_view,
        count(*) FILTER (WHERE event_type = 'cart')                      AS n_cart,
        count(*) FILTER (WHERE event_type = 'fav')                       AS n_fav,
        count(*) FILTER (WHERE event_type = 'purchase')                  AS n_purchase,
        count(*) FILTER (WHERE event_type = 'view' AND age_days < 7)     AS n_view_7d,
        count(*) FILTER (WHERE event_type = 'view' AND age_days < 30)    AS n_view_30d,
        count(*) FILTER (WHERE event_type = 'view' AND age_days < 90)    AS n_view_90d,
        count(*) FILTER (WHERE event_type = 'cart' AND age_days < 7)     AS n_cart_7d,
        count(*) FILTER (WHERE event_type = 'cart' AND age_days < 30)    AS n_cart_30d,
        count(*) FILTER (WHERE event_type = 'cart' AND age_days < 90)    AS n_cart_90d,
        count(*) FILTER (WHERE event_type = 'fav' AND age_days < 7)      AS n_fav_7d,
        count(*) FILTER (WHERE event_type = 'fav' AND age_days < 30)     AS n_fav_30d,
        count(*) FILTER (WHERE event_type = 'fav' AND age_days < 90)     AS n_fav_90d,
        count(*) FILTER (WHERE event_type = 'purchase' AND age_days < 7)   AS n_purchase_7d,
        count(*) FILTER (WHERE event_type = 'purchase' AND age_days < 30)  AS n_purchase_30d,
        count(*) FILTER (WHERE event_type = 'purchase' AND age_days < 90)  AS n_purchase_90d,
        count(*) FILTER (WHERE event_type = 'purchase' AND age_days >= 90 AND age_days < 180)
                                                                         AS n_purchase_90_180d,
        count(DISTINCT floor(age_days))                                  AS n_active_days,
        count(DISTINCT floor(age_days)) FILTER (WHERE age_days < 30)     AS n_active_days_30d,
        count(DISTINCT item_id)                                          AS n_distinct_items,
        min(age_days)                                                    AS recency_days,
        min(age_days) FILTER (WHERE event_type = 'purchase')             AS recency_purchase_days,
        min(age_days) FILTER (WHERE event_type = 'cart')                 AS recency_cart_days,
        max(age_days)                                                    AS days_since_first_event,
        -- RFM: an order is the set of purchase events sharing one timestamp
        count(DISTINCT ts_us) FILTER (WHERE event_type = 'purchase')     AS n_orders,
        max(ts_us) FILTER (WHERE event_type = 'purchase')
            - min(ts_us) FILTER (WHERE event_type = 'purchase')          AS purchase_span_us,
        sum(price * quantity) FILTER (WHERE event_type = 'purchase')     AS monetary,
        sum(price * quantity) FILTER (WHERE event_type = 'purchase' AND age_days < 30) AS monetary_30d,
        sum(price * quantity) FILTER (WHERE event_type = 'purchase' AND age_days < 90) AS monetary_90d,
        sum(quantity) FILTER (WHERE event_type = 'purchase')             AS units_purchased,
        avg(price) FILTER (WHERE event_type = 'view')                    AS mean_price_viewed,
        stddev_pop(price) FILTER (WHERE event_type = 'view')             AS std_price_viewed,
        max(price) FILTER (WHERE event_type = 'view')                    AS max_price_viewed,
        avg(price) FILTER (WHERE event_type = 'purchase')                AS mean_price_purchased
    FROM ev
    GROUP BY user_id
),

cart_items AS (       -- per (user, item): last time carted, last time bought
    SELECT user_id, item_id,
        max(ts_us) FILTER (WHERE event_type = 'cart')     AS last_cart_us,
        max(ts_us) FILTER (WHERE event_type = 'purchase') AS last_purchase_us
    FROM ev
    WHERE event_type IN ('cart', 'purchase')
    GROUP BY user_id, item_id
),

abandonment AS (      -- a carted item is abandoned when it was not bought at or after its last cart event
    SELECT user_id,
        count(*)                                                                     AS n_carted_items,
        count(*) FILTER (WHERE last_purchase_us IS NULL OR last_purchase_us < last_cart_us) AS n_abandoned_items
    FROM cart_items
    WHERE last_cart_us IS NOT NULL
    GROUP BY user_id
),

category_counts AS (
    SELECT user_id, category, count(*) AS n
    FROM ev
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

SELECT
    u.user_id,
    -- counts per event type and window
    coalesce(a.n_events, 0)          AS n_events,
    coalesce(a.n_events_7d, 0)       AS n_events_7d,
    coalesce(a.n_events_30d, 0)      AS n_events_30d,
    coalesce(a.n_events_90d, 0)      AS n_events_90d,
    coalesce(a.n_view, 0)            AS n_view,
    coalesce(a.n_cart, 0)            AS n_cart,
    coalesce(a.n_fav, 0)             AS n_fav,
    coalesce(a.n_purchase, 0)        AS n_purchase,
    coalesce(a.n_view_7d, 0)         AS n_view_7d,
    coalesce(a.n_view_30d, 0)        AS n_view_30d,
    coalesce(a.n_view_90d, 0)        AS n_view_90d,
    coalesce(a.n_cart_7d, 0)         AS n_cart_7d,
    coalesce(a.n_cart_30d, 0)        AS n_cart_30d,
    coalesce(a.n_cart_90d, 0)        AS n_cart_90d,
    coalesce(a.n_fav_7d, 0)          AS n_fav_7d,
    coalesce(a.n_fav_30d, 0)         AS n_fav_30d,
    coalesce(a.n_fav_90d, 0)         AS n_fav_90d,
    coalesce(a.n_purchase_7d, 0)     AS n_purchase_7d,
    coalesce(a.n_purchase_30d, 0)    AS n_purchase_30d,
    coalesce(a.n_purchase_90d, 0)    AS n_purchase_90d,
    coalesce(a.n_active_days, 0)     AS n_active_days,
    coalesce(a.n_active_days_30d, 0) AS n_active_days_30d,
    coalesce(a.n_distinct_items, 0)  AS n_distinct_items,
    -- recency / frequency / monetary
    least(coalesce(a.recency_days, ${recency_cap}), ${recency_cap})          AS recency_days,
    least(coalesce(a.recency_purchase_days, ${recency_cap}), ${recency_cap}) AS recency_purchase_days,
    least(coalesce(a.recency_cart_days, ${recency_cap}), ${recency_cap})     AS recency_cart_days,
    coalesce(a.n_orders, 0)                                  AS frequency,
    coalesce(a.monetary, 0.0)                                AS monetary,
    coalesce(a.monetary_30d, 0.0)                            AS monetary_30d,
    coalesce(a.monetary_90d, 0.0)                            AS monetary_90d,
    coalesce(a.monetary / nullif(a.n_orders, 0), 0.0)        AS avg_order_value,
    coalesce(a.units_purchased, 0.0)                         AS units_purchased,
    -- funnel
    coalesce(a.n_cart / nullif(a.n_view, 0), 0.0)            AS cart_per_view,
    coalesce(a.n_fav / nullif(a.n_view, 0), 0.0)             AS fav_per_view,
    coalesce(a.n_purchase / nullif(a.n_view, 0), 0.0)        AS purchase_per_view,
    coalesce(a.n_purchase / nullif(a.n_cart, 0), 0.0)        AS purchase_per_cart,
    coalesce(ab.n_carted_items, 0)                           AS n_carted_items,
    coalesce(ab.n_abandoned_items / nullif(ab.n_carted_items, 0), 0.0) AS cart_abandonment_rate,
    -- categories
    coalesce(c.n_categories, 0)                              AS n_categories,
    coalesce(c.category_entropy, 0.0)                        AS category_entropy,
    coalesce(c.top_category_share, 0.0)                      AS top_category_share,
    ${cat_share_select}
    -- price level and deal seeking (promo affinity)
    coalesce(a.mean_price_viewed, 0.0)                       AS mean_price_viewed,
    coalesce(a.std_price_viewed, 0.0)                        AS std_price_viewed,
    coalesce(a.max_price_viewed, 0.0)                        AS max_price_viewed,
    coalesce(a.mean_price_purchased, 0.0)                    AS mean_price_purchased,
    coalesce(a.mean_price_purchased / nullif(a.mean_price_viewed, 0), 1.0) AS deal_seeking_ratio,
    -- timing
    least(coalesce(a.purchase_span_us / 86400000000.0 / nullif(a.n_orders - 1, 0), ${recency_cap}),
          ${recency_cap})                                    AS mean_interpurchase_days,
    ln(1 + coalesce(a.n_events_30d, 0)) - ln(1 + coalesce(a.n_events_30_60d, 0))     AS activity_trend,
    ln(1 + coalesce(a.n_purchase_90d, 0)) - ln(1 + coalesce(a.n_purchase_90_180d, 0)) AS purchase_trend,
    coalesce(a.days_since_first_event, 0.0)                  AS days_since_first_event
    -- user attributes
    ${attributes}
FROM users_src AS u
LEFT JOIN activity    AS a  USING (user_id)
LEFT JOIN abandonment AS ab USING (user_id)
LEFT JOIN categories  AS c  USING (user_id)
WHERE TRUE ${user_range_users}
ORDER BY u.user_id
