;; The two inner loops of clustering and mapping, on 128-bit SIMD: every pass over the
;; papers is a sparse matrix (CSR rows of TF-IDF weights) times a dense matrix with one row
;; of `lanes` f32 per term. Built into rowKernels.wasm by `npm run build:kernels`; rowKernels.ts
;; lays the arrays out in this memory and calls these on chunks of rows. The memory is given
;; (shared): the two threads of a pass run on one memory, each on chunks of its own.
;;
;; Each lane of an output adds its products in the rows' own order, whatever the number of
;; lanes or how the rows are chunked: results do not depend on how a pass is split.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; out[r] = Σ_p values[p] · W[indices[p]] for rows 0 … rows - 1, where W[t] is the `lanes`
  ;; f32 at byte address rowAt[t], and terms with rowAt[t] < 0 weigh nothing. Offsets are
  ;; relative to the chunk; `lanes` is a multiple of 4 and `out` is rows × lanes f32.
  (func (export "score_rows")
    (param $rows i32) (param $offsets i32) (param $indices i32) (param $values i32)
    (param $rowAt i32) (param $lanes i32) (param $out i32)
    (local $rowBytes i32) (local $r i32) (local $p i32) (local $end i32)
    (local $acc i32) (local $accEnd i32) (local $a i32) (local $w i32) (local $v v128)
    ;; No lanes, nothing to add (the lane loops below run at least once).
    (if (i32.eqz (local.get $lanes)) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $lanes) (i32.const 2)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $acc (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $accEnd (i32.add (local.get $acc) (local.get $rowBytes)))
        (memory.fill (local.get $acc) (i32.const 0) (local.get $rowBytes))
        (local.set $p (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $r) (i32.const 2)))))
        (block $nonZerosDone
          (loop $eachNonZero
            (br_if $nonZerosDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $w (i32.load (i32.add (local.get $rowAt)
              (i32.shl (i32.load (i32.add (local.get $indices) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 2)))))
            (if (i32.ge_s (local.get $w) (i32.const 0))
              (then
                (local.set $v (v128.load32_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))
                (local.set $a (local.get $acc))
                (loop $eachLanes
                  (v128.store (local.get $a)
                    (f32x4.add (v128.load (local.get $a)) (f32x4.mul (local.get $v) (v128.load (local.get $w)))))
                  (local.set $a (i32.add (local.get $a) (i32.const 16)))
                  (local.set $w (i32.add (local.get $w) (i32.const 16)))
                  (br_if $eachLanes (i32.lt_u (local.get $a) (local.get $accEnd))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $eachNonZero)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow))))

  ;; C[indices[p]] += values[p] · posterior[r] for every non-zero p of rows 0 … rows - 1, where
  ;; C[t] is the `lanes` f32 at byte address countAt[t] and posterior is rows × lanes f32: the
  ;; classes' expected counts per term, the transpose of score_rows.
  (func (export "count_rows")
    (param $rows i32) (param $offsets i32) (param $indices i32) (param $values i32)
    (param $countAt i32) (param $lanes i32) (param $posterior i32)
    (local $rowBytes i32) (local $r i32) (local $p i32) (local $end i32)
    (local $weights i32) (local $q i32) (local $c i32) (local $cEnd i32) (local $v v128)
    (if (i32.eqz (local.get $lanes)) (then (return)))
    (local.set $rowBytes (i32.shl (local.get $lanes) (i32.const 2)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $weights (i32.add (local.get $posterior) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $p (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $r) (i32.const 2)))))
        (block $nonZerosDone
          (loop $eachNonZero
            (br_if $nonZerosDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $c (i32.load (i32.add (local.get $countAt)
              (i32.shl (i32.load (i32.add (local.get $indices) (i32.shl (local.get $p) (i32.const 2)))) (i32.const 2)))))
            (local.set $cEnd (i32.add (local.get $c) (local.get $rowBytes)))
            (local.set $v (v128.load32_splat (i32.add (local.get $values) (i32.shl (local.get $p) (i32.const 2)))))
            (local.set $q (local.get $weights))
            (loop $eachLanes
              (v128.store (local.get $c)
                (f32x4.add (v128.load (local.get $c)) (f32x4.mul (local.get $v) (v128.load (local.get $q)))))
              (local.set $c (i32.add (local.get $c) (i32.const 16)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (br_if $eachLanes (i32.lt_u (local.get $c) (local.get $cEnd))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $eachNonZero)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow)))))
