/*
 * Tonghu.QuestionSet 1.0: single-choice questions one at a time. Tapping an option answers it: the right
 * option is marked, the explanation and the article it rests on are shown. Each answer sends an xAPI
 * "answered" statement for that question (as sub-content of the set); the end sends "completed" with the
 * score (success when the share of right answers is at least passRatio).
 *
 * This is a practice check: the key is in content.json and so in the browser. Graded quizzes and exams
 * are the server-side assessment engine's job (src/lib/assessment), never this.
 *
 * content.json: { title, intro: [text], passRatio?, labels?,
 *   questions: [{ id, text, options: [text], answer: index, explanation, citation? }] }
 */
(function (H5P) {
  'use strict';
  var Tonghu = (window.Tonghu = window.Tonghu || {});

  var DEFAULT_LABELS = {
    start: '开始答题',
    progress: '第 {n} 题 / 共 {total} 题',
    right: '答对了',
    wrong: '答错了，正确答案是：{answer}',
    basis: '依据',
    next: '下一题',
    finish: '查看结果',
    resultTitle: '测验结果',
    score: '答对 {score} / {max} 题',
    passed: '通过',
    notPassed: '未通过：至少要答对 {need} 题',
    restart: '再做一次',
  };

  function fill(s, params) {
    return s.replace(/\{(\w+)\}/g, function (m, k) {
      return k in params ? String(params[k]) : m;
    });
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function paragraphs(parent, texts) {
    (Array.isArray(texts) ? texts : [texts]).forEach(function (t) {
      if (t) parent.appendChild(el('p', null, t));
    });
  }

  function QuestionSet(params, contentId, extras) {
    H5P.EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    this.extras = extras || {};
    this.labels = {};
    var k;
    for (k in DEFAULT_LABELS) this.labels[k] = DEFAULT_LABELS[k];
    for (k in this.params.labels || {}) this.labels[k] = this.params.labels[k];
    this.questions = this.params.questions || [];
    this.passRatio = this.params.passRatio === undefined ? 0.6 : Number(this.params.passRatio);
    this.correct = 0;
  }
  QuestionSet.prototype = Object.create(H5P.EventDispatcher.prototype);
  QuestionSet.prototype.constructor = QuestionSet;

  QuestionSet.prototype.attach = function ($container) {
    this.root = $container.get ? $container.get(0) : $container;
    this.root.classList.add('tonghu-activity', 'tonghu-question-set');
    this.showIntro();
  };

  QuestionSet.prototype.getScore = function () {
    return this.correct;
  };
  QuestionSet.prototype.getMaxScore = function () {
    return this.questions.length;
  };
  QuestionSet.prototype.getTitle = function () {
    return this.params.title || '';
  };

  QuestionSet.prototype.render = function (build) {
    while (this.root.firstChild) this.root.removeChild(this.root.firstChild);
    var heading = build.call(this, this.root);
    // focus follows the learner's own steps; never on first display (it would pull focus off the page)
    if (heading && this.started) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    this.trigger('resize');
    this.started = true;
  };

  QuestionSet.prototype.needed = function () {
    return Math.ceil(this.passRatio * this.questions.length - 1e-9);
  };

  QuestionSet.prototype.showIntro = function () {
    var self = this;
    this.correct = 0;
    this.render(function (root) {
      var h = el('h2', null, self.params.title);
      root.appendChild(h);
      paragraphs(root, self.params.intro);
      var b = el('button', 't-primary', self.labels.start);
      b.type = 'button';
      b.addEventListener('click', function () {
        self.showQuestion(0);
      });
      root.appendChild(b);
      return h;
    });
  };

  QuestionSet.prototype.showQuestion = function (i) {
    var self = this;
    var q = this.questions[i];
    var total = this.questions.length;
    this.render(function (root) {
      var bar = el('div', 't-progress');
      var fillBar = el('span');
      fillBar.style.width = Math.round((i / total) * 100) + '%';
      bar.appendChild(fillBar);
      root.appendChild(bar);
      root.appendChild(el('p', 't-step', fill(self.labels.progress, { n: i + 1, total: total })));
      var h = el('h2', null, q.text);
      root.appendChild(h);
      var list = el('ul', 't-choices');
      var buttons = [];
      var feedback = el('div');
      feedback.setAttribute('aria-live', 'polite');
      q.options.forEach(function (text, j) {
        var li = el('li');
        var b = el('button', 't-choice', text);
        b.type = 'button';
        b.setAttribute('data-option', String(j));
        b.addEventListener('click', function () {
          var right = j === q.answer;
          if (right) self.correct += 1;
          buttons.forEach(function (other, k) {
            other.disabled = true;
            if (k === q.answer) other.classList.add('t-right');
            else if (k === j) other.classList.add('t-wrong');
          });
          b.setAttribute('aria-pressed', 'true');
          var box = el('div', 't-feedback' + (right ? '' : ' t-bad'));
          box.appendChild(el('p', null, right ? self.labels.right : fill(self.labels.wrong, { answer: q.options[q.answer] })));
          paragraphs(box, q.explanation);
          if (q.citation) box.appendChild(el('p', 't-cite', self.labels.basis + '：' + q.citation));
          feedback.appendChild(box);
          var last = i + 1 >= total;
          var next = el('button', 't-primary', last ? self.labels.finish : self.labels.next);
          next.type = 'button';
          next.addEventListener('click', function () {
            if (last) self.showResult();
            else self.showQuestion(i + 1);
          });
          feedback.appendChild(next);
          self.sendAnswered(q, j, right);
          self.trigger('resize');
          next.focus({ preventScroll: true });
        });
        buttons.push(b);
        li.appendChild(b);
        list.appendChild(li);
      });
      root.appendChild(list);
      root.appendChild(feedback);
      return h;
    });
  };

  /** One "answered" statement per question, marked as sub-content of the set (H5P's convention). */
  QuestionSet.prototype.sendAnswered = function (q, chosen, right) {
    var event = this.createXAPIEventTemplate('answered');
    var st = event.data.statement;
    var parentId = st.object && st.object.id;
    if (st.object) {
      st.object.id = parentId + '?subContentId=' + encodeURIComponent(q.id);
      st.object.definition = {
        name: { 'zh-CN': q.text },
        interactionType: 'choice',
        type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
        correctResponsesPattern: [String(q.answer)],
      };
    }
    st.context = st.context || {};
    st.context.contextActivities = st.context.contextActivities || {};
    st.context.contextActivities.parent = [{ id: parentId, objectType: 'Activity' }];
    event.setScoredResult(right ? 1 : 0, 1, this, true, right);
    st.result.response = String(chosen);
    this.trigger(event);
  };

  QuestionSet.prototype.showResult = function () {
    var self = this;
    var max = this.questions.length;
    var success = this.correct >= this.needed();
    this.render(function (root) {
      root.appendChild(el('span', 't-badge' + (success ? '' : ' t-bad'), success ? self.labels.passed : fill(self.labels.notPassed, { need: self.needed() })));
      var h = el('h2', null, self.labels.resultTitle);
      root.appendChild(h);
      var sc = el('p', 't-score', fill(self.labels.score, { score: self.correct, max: max }));
      sc.setAttribute('role', 'status');
      root.appendChild(sc);
      var again = el('button', 't-primary', self.labels.restart);
      again.type = 'button';
      again.addEventListener('click', function () {
        self.showIntro();
      });
      root.appendChild(again);
      return h;
    });
    this.triggerXAPIScored(this.correct, max, 'completed', true, success);
  };

  Tonghu.QuestionSet = QuestionSet;
})(H5P);
